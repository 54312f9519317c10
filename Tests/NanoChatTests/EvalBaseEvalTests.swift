import XCTest
@testable import NanoChat

/// base_eval's flow (BaseEval.run) on a table model: samples, bpb on both splits, CORE + CSV, --text.
final class EvalBaseEvalTests: XCTestCase {
    func testRunAllModes() throws {
        let dir = try EvalCoreScoringTests.makeBundle()
        let out = TestPaths.tempDir("be")
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: out) }
        let m = BigramTableModel()
        m.prefer("a", "b"); m.prefer("x", " "); m.prefer(" ", "a"); m.prefer("p", " ")
        let tok = ByteTokenizer()
        try "hello world".write(toFile: out + "/t.txt", atomically: true, encoding: .utf8)
        var o = BaseEval.Options()
        o.bundleDir = dir; o.csvDir = out; o.deviceBatchSize = 2; o.splitTokens = 2 * 2 * 4096 + 5; o.maxPerTask = -1
        o.textFile = out + "/t.txt"
        var requested: [String] = []
        let r = try BaseEval.run(model: m, tokenizer: tok, step: 7, options: o, dist: .single) { split, B, T in
            requested.append("\(split) \(B)x\(T)")
            return { (Array(repeating: 97, count: B * T), Array(repeating: 98, count: B * T)) }
        }
        XCTAssertEqual(requested, ["train 2x4096", "val 2x4096"])
        XCTAssertEqual(r.bpb["val"]!, m.nll(97, 98) / log(2), accuracy: 1e-6)
        XCTAssertEqual(r.samples.count, 7); XCTAssertEqual(r.unconditioned.count, 8)
        XCTAssertEqual(r.core?.core ?? 0, 0.375, accuracy: 1e-12)
        XCTAssertEqual(r.csvPath, out + "/base_model_000007.csv")
        XCTAssertTrue(Paths.exists(out + "/base_model_000007.csv"))
        XCTAssertEqual(r.text?.tokens, 12)
    }

    func testErrors() throws {
        let m = BigramTableModel(vocab: 300)
        var o = BaseEval.Options(); o.modes = []
        XCTAssertThrowsError(try BaseEval.run(model: m, tokenizer: ByteTokenizer(), step: 0, options: o, dist: .single) { _, _, _ in { ([], []) } }) {
            XCTAssertTrue("\($0)".contains("tokenizer vocab size 257 does not match the model's 300"), "\($0)")
        }
        o.modes = ["bpb"]; o.splitTokens = 10
        XCTAssertThrowsError(try BaseEval.run(model: BigramTableModel(), tokenizer: ByteTokenizer(), step: 0, options: o, dist: .single) { _, _, _ in { ([], []) } }) {
            XCTAssertTrue("\($0)".contains("less than one step"), "\($0)")
        }
        XCTAssertEqual(try BaseEval.Options.parseModes(" core, sample"), ["core", "sample"])
        XCTAssertThrowsError(try BaseEval.Options.parseModes("core,chat")) { XCTAssertTrue("\($0)".contains("unknown --eval mode(s) chat"), "\($0)") }
        XCTAssertThrowsError(try Tokenizer.load(path: TestPaths.tempDir("notok"))) {
            XCTAssertTrue("\($0)".contains("no tokenizer here"), "\($0)")
        }
        XCTAssertEqual(try Tokenizer.load(path: TestPaths.fixture("tokenizer_multi_4096")).vocabSize, 4096)
    }
}
