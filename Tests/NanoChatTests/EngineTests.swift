import Foundation
import XCTest
@testable import NanoChat

/// A tokenizer for models whose vocabulary ends in nanochat's 9 special tokens (the nanochat_tiny
/// fixture: ids 311–319 of 320). Ordinary tokens decode to nothing, so the calculator never fires.
final class SpecialsOnlyTokenizer: TextTokenizer, @unchecked Sendable {
    let vocabSize: Int
    init(vocabSize: Int) { self.vocabSize = vocabSize }
    var bosId: Int32 { Int32(vocabSize - Tokenizer.specialTokens.count) }
    func specialId(_ name: String) -> Int32? {
        Tokenizer.specialTokens.firstIndex(of: name).map { bosId + Int32($0) }
    }
    func encodeOrdinary(_ text: String) -> [Int32] { [] }
    func encodeOrdinaryBatch(_ texts: [String], threads: Int) -> [[Int32]] { texts.map { _ in [] } }
    func decode(_ ids: [Int32]) -> String { "" }
    var tokenBytes: [Int32] { [Int32](repeating: 1, count: vocabSize) }
}

final class EngineTests: XCTestCase {
    func tinyModel() throws -> GPT { try Self.tinyModel() }

    static func tinyModel() throws -> GPT {
        let dir = TestPaths.fixture("nanochat_tiny")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/fixture.json"))) as! [String: Any]
        let config = try JSONDecoder().decode(GPTConfig.self, from: JSONSerialization.data(withJSONObject: json["model_config"]!))
        let model = try GPT(config: config)
        try model.load(from: dir + "/weights_init.safetensors")
        return model
    }

    /// nanochat's own Engine (greedy, 2 samples, 40 tokens) on the nanochat_tiny weights, prompts that
    /// cross the 128-token short window: the same tokens in both rows, and every cached logit equal to
    /// the full-forward logits.
    func testEngineGreedyFixture() throws {
        let dir = TestPaths.fixture("engine_greedy")  // written by nanochat itself (source in engine_greedy.json)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/engine_greedy.json"))) as! [String: Any]
        let cases = json["cases"] as! [[String: Any]]
        let full = try SafetensorsFile(path: dir + "/full_logits.safetensors")
        let model = try tinyModel()
        let V = model.config.vocabSize
        let engine = Engine(model: model, tokenizer: SpecialsOnlyTokenizer(vocabSize: V))
        for (i, c) in cases.enumerated() {
            let prompt = (c["prompt"] as! [Int]).map { Int32($0) }
            let greedy = (c["greedy"] as! [Int]).map { Int32($0) }
            let (results, masks) = try engine.generateBatch(tokens: prompt, numSamples: 2, maxTokens: 40, temperature: 0)
            for r in 0..<2 {
                XCTAssertEqual(Array(results[r].dropFirst(prompt.count)), greedy, "case \(i) row \(r)")
                XCTAssertEqual(masks[r], [UInt8](repeating: 0, count: prompt.count) + [UInt8](repeating: 1, count: greedy.count))
            }
            // prefill (all prompt positions), then one token at a time
            let state = try model.makeDecodeState(rows: 1, capacity: prompt.count + greedy.count)
            var ours = try state.feed(prompt, count: prompt.count, positions: Array(0..<prompt.count))
            for t in greedy { ours += try state.feed([t], count: 1, positions: nil) }
            checkTensor(ours, try full.floats("logits_\(i)"), rtol: 1e-5, label: "case \(i) cached logits (\(prompt.count)+40)")
        }
    }

    /// A model with GQA, short windows (S = 128, L = 64 at sequence_len 64, so a 300-token context runs
    /// past both) and value embeddings, every parameter random.
    func randomModel(seed: UInt64 = 3) throws -> GPT { try Self.randomModel(seed: seed) }

    static func randomModel(seed: UInt64 = 3) throws -> GPT {
        let cfg = GPTConfig(sequenceLen: 64, vocabSize: 97, nLayer: 4, nHead: 4, nKvHead: 2, nEmbd: 32, windowPattern: "SSSL")
        let m = try GPT(config: cfg)
        var rng = RNG(seed: seed)
        rng.fillNormal(m.params.ptr, m.params.count, std: 0.3)
        return m
    }

    func testCachedLogitsEqualFullForwardPastTheWindows() throws {
        let m = try randomModel()
        let V = m.config.vocabSize
        var rng = RNG(seed: 9)
        let seq = (0..<300).map { _ in Int32(rng.next() % UInt64(V)) }
        let ref = m.logits(inputs: seq, B: 1, T: seq.count)
        // prefill 150 (first chunk), then chunks of 37 and 1: smear and rotary continue across chunks
        let state = try m.makeDecodeState(rows: 1, capacity: seq.count)
        var ours = try state.feed(Array(seq[0..<150]), count: 150, positions: Array(0..<150))
        var p = 150
        while p < seq.count {
            let n = min(p < 200 ? 37 : 1, seq.count - p)
            ours += try state.feed(Array(seq[p..<(p + n)]), count: n, positions: Array(0..<n))
            p += n
        }
        checkTensor(ours, ref, rtol: 1e-5, label: "cached vs full, 300 positions")
        // two different rows at once
        let other = seq.reversed().map { $0 }
        let two = try m.makeDecodeState(rows: 2, capacity: 200)
        _ = try two.feed(Array(seq[0..<160]) + Array(other[0..<160]), count: 160, positions: nil)
        var last: [Float] = []
        for t in 160..<200 { last = try two.feed([seq[t], other[t]], count: 1, positions: nil) }
        let refA = m.lastLogits(inputs: Array(seq[0..<200]), B: 1, T: 200)
        let refB = m.lastLogits(inputs: Array(other[0..<200]), B: 1, T: 200)
        checkTensor(last, refA + refB, rtol: 1e-5, label: "two rows after 200 positions")
    }

    func testGreedyWithCacheEqualsRecompute() throws {
        let m = try randomModel(seed: 5)
        let tok = SpecialsOnlyTokenizer(vocabSize: m.config.vocabSize)
        let prompt: [Int32] = (0..<100).map { Int32($0 % 80) }
        let cached = try Engine(model: m, tokenizer: tok).generateBatch(tokens: prompt, maxTokens: 120, temperature: 0)
        let slow = try Engine(model: RecomputeModel(m), tokenizer: tok).generateBatch(tokens: prompt, maxTokens: 120, temperature: 0)
        XCTAssertEqual(cached.results, slow.results)
        XCTAssertGreaterThan(cached.results[0].count, prompt.count + 20, "generation stopped early")
    }

    /// A replicated state takes its source's scratch buffers (the first decode step skips allocating them); both
    /// go on decoding the same: the source allocates new buffers when fed again.
    func testReplicatedStateAndItsSourceBothDecode() throws {
        let m = try randomModel(seed: 7)
        let prompt: [Int32] = (0..<12).map { Int32($0 * 7 % 80) }
        let source = try m.makeDecodeState(rows: 1, capacity: 40)
        _ = try source.feed(prompt, count: prompt.count, positions: nil)
        let copy = try source.replicated(rows: 3, capacity: 40)
        let fromCopy = try copy.feed([5, 5, 5], count: 1, positions: nil)
        let fromSource = try source.feed([5], count: 1, positions: nil)
        let V = m.config.vocabSize
        for r in 0..<3 { XCTAssertEqual(Array(fromCopy[(r * V)..<((r + 1) * V)]), fromSource, "row \(r)") }
        XCTAssertEqual(source.length, prompt.count + 1)
        XCTAssertEqual(copy.length, prompt.count + 1)
    }

    func testSeededSamplingIsReproducible() throws {
        let m = try randomModel(seed: 6)
        let engine = Engine(model: m, tokenizer: SpecialsOnlyTokenizer(vocabSize: m.config.vocabSize))
        let prompt: [Int32] = [88, 1, 2, 3]
        let a = try engine.generateBatch(tokens: prompt, numSamples: 4, maxTokens: 30, temperature: 1, topK: 20, seed: 1).results
        let b = try engine.generateBatch(tokens: prompt, numSamples: 4, maxTokens: 30, temperature: 1, topK: 20, seed: 1).results
        let c = try engine.generateBatch(tokens: prompt, numSamples: 4, maxTokens: 30, temperature: 1, topK: 20, seed: 2).results
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertNotEqual(a[0], a[1], "rows of one request share the RNG stream but should differ")
    }

    func testTopKNeverSamplesOutsideTheKLargest() {
        var rng = RNG(seed: 11)
        for trial in 0..<50 {
            let V = 50 + trial * 13
            var logits = (0..<V).map { _ in Float(rng.normal()) }
            if trial % 5 == 0 { logits[3] = logits[7] }   // ties
            let k = 1 + trial % 9
            let top = logits.withUnsafeBufferPointer { topKIndices($0, k) }
            let sorted = (0..<V).sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            XCTAssertEqual(top, Array(sorted.prefix(k)))
            let allowed = Set(top)
            for _ in 0..<200 {
                let t = logits.withUnsafeBufferPointer { sampleNextToken($0, temperature: 2.0, topK: k, rng: &rng) }
                XCTAssertTrue(allowed.contains(Int(t)), "token \(t) outside the top \(k)")
            }
        }
        // temperature 0: the first maximum
        let l: [Float] = [1, 3, 3, 2]
        XCTAssertEqual(l.withUnsafeBufferPointer { sampleNextToken($0, temperature: 0, topK: nil, rng: &rng) }, 1)
    }

    func testBatchedLogitsAtPositions() throws {
        let m = try randomModel(seed: 8)
        let engine = Engine(model: m, tokenizer: SpecialsOnlyTokenizer(vocabSize: m.config.vocabSize))
        let rows: [[Int32]] = [[88, 5, 6, 7, 8, 9], [88, 40], [88, 1, 2, 3]]
        let out = try engine.logits(rows: rows, positions: rows.map { $0.count - 1 })
        for (r, row) in rows.enumerated() {
            checkTensor(out[r], m.lastLogits(inputs: row, B: 1, T: row.count), rtol: 1e-5, label: "row \(r)")
        }
        assertOneLineError({ _ = try engine.logits(rows: rows, positions: [0, 2, 0]) }, contains: "position 2")
    }

    func testGenerateRejectsBadArguments() throws {
        let m = try randomModel()
        let engine = Engine(model: m, tokenizer: SpecialsOnlyTokenizer(vocabSize: m.config.vocabSize))
        assertOneLineError({ try engine.generate(tokens: [], maxTokens: 3) { _, _ in true } }, contains: "empty")
        assertOneLineError({ try engine.generate(tokens: [1], maxTokens: 640) { _, _ in true } }, contains: "limit of 640")
        assertOneLineError({ try engine.generate(tokens: [1], maxTokens: 3, temperature: -1) { _, _ in true } }, contains: "temperature")
        assertOneLineError({ try engine.generate(tokens: [500], maxTokens: 3) { _, _ in true } }, contains: "token id 500")
        // the callback stops generation
        var columns = 0
        try engine.generate(tokens: [1, 2], numSamples: 3, maxTokens: 50, temperature: 1) { col, _ in
            XCTAssertEqual(col.count, 3); columns += 1; return columns < 5
        }
        XCTAssertEqual(columns, 5)
    }
}
