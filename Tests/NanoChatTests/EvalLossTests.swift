import XCTest
@testable import NanoChat

/// Bits per byte against hand computations with a bigram table model, and sampling.
final class EvalLossTests: XCTestCase {
    func model() -> BigramTableModel {
        let m = BigramTableModel()
        m.prefer("h", "e", 3); m.prefer("e", "l", 2); m.prefer("l", "l", 1.5); m.prefer("l", "o", 2.5); m.prefer(256, Int32(UInt8(ascii: "h")), 4)
        return m
    }

    func testBatchesWithIgnoredAndSpecialTargets() throws {
        let m = model()
        let B = 2, T = 4
        // token bytes: 1..3 by id, 0 for BOS (256) → weighted bytes; target -1 ignored
        var tb = (0..<257).map { Int32($0 % 3 + 1) }; tb[256] = 0
        let batches: [([Int32], [Int32])] = [
            ([256, 104, 101, 108, 108, 111, 256, 104], [104, 101, 108, 108, 111, 256, 104, -1]),
            ([104, 101, 108, 108, 256, 104, 101, 108], [101, 108, 108, 111, 104, 101, 108, 108]),
        ]
        var i = 0
        let bpb = try LossEval.bitsPerByte(model: m, tokenBytes: tb, steps: 2, B: B, T: T, dist: .single) {
            defer { i += 1 }; return (inputs: batches[i].0, targets: batches[i].1)
        }
        var nats = 0.0, bytes = 0
        for (x, y) in batches {
            for j in 0..<x.count where y[j] >= 0 && tb[Int(y[j])] > 0 { nats += m.nll(x[j], y[j]); bytes += Int(tb[Int(y[j])]) }
        }
        XCTAssertEqual(bpb, nats / (log(2) * Double(bytes)), accuracy: 1e-6 * bpb)
        XCTAssertEqual(i, 2)
        XCTAssertThrowsError(try LossEval.bitsPerByte(model: m, tokenBytes: tb, steps: 1, B: 2, T: 4, dist: .single) { ([1], [1]) })
        XCTAssertEqual(BPBAccumulator().bpb(dist: nil), .infinity)
    }

    /// A bigram model's bpb does not depend on the windows, so the windowed text bpb must equal the bpb
    /// of every target of [BOS]+text predicted from its predecessor — each counted exactly once.
    func testTextWindows() {
        let tok = ByteTokenizer()
        for (text, T, batch) in [("hello world", 4, 1), ("hello wo", 4, 2), ("hello world, hello", 3, 3), ("h", 8, 1)] {
            let m = model()
            let (bpb, n) = LossEval.bitsPerByte(ofText: text, model: m, tokenizer: tok, T: T, batchSize: batch)
            let toks = [tok.bosId] + tok.encodeOrdinary(text)
            XCTAssertEqual(n, toks.count)
            var nats = 0.0
            for j in 1..<toks.count { nats += m.nll(toks[j - 1], toks[j]) }
            XCTAssertEqual(bpb, nats / (log(2) * Double(toks.count - 1)), accuracy: 1e-6 * bpb, "\(text) T=\(T)")
            let full = (toks.count - 1) / T, rest = toks.count - full * T >= 2 ? 1 : 0
            XCTAssertEqual(m.forwardCalls, (full + batch - 1) / batch + rest, "\(text) T=\(T) forwards")
        }
    }

    func testSamplingGreedyStopsAtBOS() throws {
        let tok = ByteTokenizer()
        let m = BigramTableModel()
        m.prefer("h", "i"); m.prefer("i", "!"); m.prefer(Int32(UInt8(ascii: "!")), 256)
        let engine = Sampling.engine(model: m, tokenizer: tok)
        let out = try engine.generateBatch(tokens: [256, 104], maxTokens: 16, temperature: 0).results
        XCTAssertEqual(tok.decode(out[0]), "<|bos|>hi!")
        // a row that never stops runs maxTokens
        let m2 = BigramTableModel(); m2.prefer("a", "a")
        let out2 = try Sampling.engine(model: m2, tokenizer: tok).generateBatch(tokens: [97], numSamples: 2, maxTokens: 5, temperature: 0).results
        XCTAssertEqual(out2, [[97, 97, 97, 97, 97, 97], [97, 97, 97, 97, 97, 97]])
    }

    func testTemperatureAndTopK() throws {
        let m = BigramTableModel()
        m.prefer("a", "b", 2); m.prefer("a", "c", 1.5)
        let engine = Sampling.engine(model: m, tokenizer: ByteTokenizer())
        // top-k 1 is greedy
        let g = try engine.generateBatch(tokens: [97], maxTokens: 1, temperature: 1, topK: 1, seed: 7).results
        XCTAssertEqual(g[0], [97, 98])
        // top-k 2 at temperature 1: only b or c, with frequencies near softmax([2, 1.5]) = 0.6225 for b
        var counts = [Int32: Int]()
        let s = try engine.generateBatch(tokens: [97], numSamples: 4000, maxTokens: 1, temperature: 1, topK: 2, seed: 7).results
        for row in s { counts[row[1], default: 0] += 1 }
        XCTAssertEqual(Set(counts.keys), [98, 99])
        XCTAssertEqual(Double(counts[98]!) / 4000, 1 / (1 + exp(-0.5)), accuracy: 0.03)
        // same seed, same samples
        let a = try engine.generateBatch(tokens: [97], numSamples: 2, maxTokens: 8, temperature: 1, seed: 42).results
        let b = try engine.generateBatch(tokens: [97], numSamples: 2, maxTokens: 8, temperature: 1, seed: 42).results
        XCTAssertEqual(a, b)
    }

    func testBaseEvalSamplesShape() throws {
        let m = BigramTableModel(); m.prefer(256, Int32(UInt8(ascii: "x")))
        var lines: [String] = []
        let c = try Sampling.conditionedSamples(model: m, tokenizer: ByteTokenizer()) { lines.append($0) }
        let u = try Sampling.unconditionedSamples(model: m, tokenizer: ByteTokenizer()) { lines.append($0) }
        XCTAssertEqual(c.count, 7); XCTAssertEqual(u.count, 8)
        XCTAssertTrue(c[0].hasPrefix("<|bos|>The capital of France is"))
        XCTAssertEqual(lines.count, 7 + 16)
    }

    /// The independent PyTorch reference (Fixtures/reference/bpb): a 60-step trained tiny GPT on a text file
    /// with multi-byte characters; bpb = 3.218699491970908 (float64 sum of fp32 losses).
    func testReferenceBPBOfText() throws {
        let dir = TestPaths.fixture("reference/bpb")
        struct Meta: Decodable { let model_config: GPTConfig }
        let meta = try JSONDecoder().decode(Meta.self, from: FileManager.default.contents(atPath: dir + "/meta_000060.json")!)
        let model = try GPT(config: meta.model_config)
        try model.load(from: dir + "/model_000060.safetensors")
        let tok = try Tokenizer.load(tiktokenFile: dir + "/tokenizer.tiktoken")
        let text = try String(contentsOfFile: dir + "/text.txt", encoding: .utf8)
        let want = try SafetensorsFile(path: dir + "/expected.safetensors")
        XCTAssertEqual([tok.bosId] + tok.encodeOrdinary(text), try want.ints("tokens").map { Int32($0) })
        for batch in [1, 4, 32] {
            let (bpb, n) = LossEval.bitsPerByte(ofText: text, model: model, tokenizer: tok, T: meta.model_config.sequenceLen, batchSize: batch)
            XCTAssertEqual(n, 725)
            print(String(format: "  reference bpb (batch %d): %.10f vs 3.2186994920 (rel %.2e)", batch, bpb, abs(bpb / 3.218699491970908 - 1)))
            XCTAssertEqual(bpb, 3.218699491970908, accuracy: 2e-6 * 3.218699491970908)
        }
    }
}
