import Foundation
import XCTest
@testable import NanoChat

/// tok_eval: nanochat's texts verbatim, GPT-2's and cl100k's split patterns against the `regex` module
/// (Fixtures/split_patterns.json from dev/tokenizer/split_patterns.py), the round trip and the tables.
final class TokEvalTests: XCTestCase {
    func testTextsAreNanochats() {
        // byte counts of scripts/tok_eval.py's texts (its table's Bytes column)
        let bytes = TokEvalTexts.all.map { $0.1.utf8.count }
        XCTAssertEqual(TokEvalTexts.all.map(\.0), ["news", "korean", "code", "math", "science"])
        XCTAssertEqual(bytes, [1819, 893, 1259, 1834, 1112])
    }

    func testReferenceSplitPatternsMatchRegex() throws {
        struct Case: Decodable { let text: String; let chunks: [String] }
        struct Table: Decodable { let gpt2: [Case]; let cl100k: [Case] }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: TestPaths.fixture("split_patterns.json")))
        let table = try JSONDecoder().decode(Table.self, from: data)
        for (pattern, cases) in [(SplitPattern.gpt2, table.gpt2), (.cl100k, table.cl100k)] {
            XCTAssertEqual(cases.count, 12)
            for c in cases {
                XCTAssertEqual(Pretokenizer.split(c.text, pattern: pattern).map(String.init), c.chunks, "\(pattern): \(c.text.prefix(30))")
            }
        }
    }

    /// The whole command on the fixture tokenizer, with a bytes-only "GPT-2" rank file in the reference
    /// directory and no cl100k (offline): every text round-trips through both, and nothing is downloaded.
    func testEvaluateWithOneReferenceOffline() throws {
        let dir = TestPaths.tempDir("tokeval")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ranks = (0..<256).map { "\(Data([UInt8($0)]).base64EncodedString()) \($0)" }.joined(separator: "\n") + "\n"
        try Paths.ensureDir(dir)
        try ranks.write(toFile: Paths.join(dir, "r50k_base.tiktoken"), atomically: true, encoding: .utf8)
        let ours = try Tokenizer.load(tiktokenFile: TokenizerTests.multi4096)
        try TokEvalCommand.evaluate(ours, referenceDir: dir, dataDir: nil, download: false)
        XCTAssertFalse(Paths.exists(Paths.join(dir, "cl100k_base.tiktoken")))
        let bytesOnly = try Tokenizer.load(tiktokenFile: Paths.join(dir, "r50k_base.tiktoken"), split: .gpt2)
        let counts = try TokEval.measure(bytesOnly, name: "GPT-2", texts: TokEvalTexts.all)
        XCTAssertEqual(counts.map(\.tokens), counts.map(\.bytes))   // one token per byte
        let lines = TokEval.comparison(baseline: "GPT-2", counts, ours: try TokEval.measure(ours, name: "ours", texts: TokEvalTexts.all),
                                       names: TokEvalTexts.all.map(\.0), color: false)
        XCTAssertEqual(lines[1], "Comparison with GPT-2:")
        XCTAssertTrue(lines[6].hasPrefix("news       1819     1819    1.00    "), lines[6])
        XCTAssertTrue(lines[6].hasSuffix("Ours      "), lines[6])
    }

    func testTokTrainEvalAlias() {
        XCTAssertEqual(TokEvalCommand.aliasArguments(fromTokTrain: ["--eval", "--output-dir", "d", "--threads=2"]),
                       ["--tokenizer-dir", "d", "--threads=2"])
        XCTAssertEqual(TokEvalCommand.aliasArguments(fromTokTrain: ["--output_dir=x", "--eval=true"]), ["--tokenizer-dir=x"])
    }
}
