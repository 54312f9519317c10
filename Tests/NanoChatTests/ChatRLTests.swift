import Foundation
import XCTest
@testable import NanoChat

/// chat_rl: nanochat's seeds, the reward rising on a toy GSM8K-like set from a tiny "SFT" checkpoint, and
/// an exact resume.
final class ChatRLTests: XCTestCase {
    /// CPython 3.11: `hash((3, 17, 1)) & 0x7FFFFFFF`, `hash((0, 0, 0)) & 0x7FFFFFFF`.
    func testSeedsAreNanochats() {
        XCTAssertEqual(RLTrainer.pythonTupleSeed([3, 17, 1]), 1932205596)
        XCTAssertEqual(RLTrainer.pythonTupleSeed([0, 0, 0]), 360982090)
    }

    /// A temp base dir with the fixture tokenizer, a toy GSM8K file (every answer is 7) and an "SFT" checkpoint:
    /// a 1-layer model fine-tuned on the toy conversations until it answers 7 sometimes but not always.
    static func workspace() throws -> (base: String, data: String) {
        let base = TestPaths.tempDir("chatrl")
        let tok = try Tokenizer.load(tiktokenFile: TestPaths.fixture("tokenizer_multi_4096/tokenizer.tiktoken"))
        try tok.save(directory: base + "/tokenizer")
        let rows = (0..<8).map { i in (question: "Tom has \(3 + i) apples and eats \(i - 4 + 4) of them. Then he gets 4 more. How many?",
                                        answer: "He has 7 now.\n#### 7", source: "toy:\(i)") }
        let data = base + "/toy_gsm8k.jsonl"
        let lines = try rows.map { r -> String in
            String(decoding: try JSONSerialization.data(withJSONObject: ["question": r.question, "answer": r.answer]), as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let task = GSM8K(rows: rows)
        let model = try GPT(config: GPTConfig(sequenceLen: 128, vocabSize: tok.vocabSize, nLayer: 1, nHead: 2, nKvHead: 2, nEmbd: 64))
        model.initWeights(seed: 7)
        let optimizer = MuonAdamW(layout: model.layout, config: model.config)
        let engine = Engine(model: model, tokenizer: tok)
        func reward() throws -> Double {
            let prompt = try tok.renderForCompletion(try task.conversation(at: 0))
            let (seqs, _) = try engine.generateBatch(tokens: prompt, numSamples: 16, maxTokens: 16, temperature: 1, topK: 50, seed: 5)
            return Double(seqs.filter { extractAnswer(tok.decode(Array($0[prompt.count...]))) == "7" }.count) / 16
        }
        var sft = 0
        while sft < 300 {
            let (ids, mask) = try tok.renderConversation(try task.conversation(at: sft % rows.count))
            let x = Array(ids.dropLast()), y = (1..<ids.count).map { mask[$0] == 0 ? Int32(-1) : ids[$0] }
            model.zeroGrad()
            _ = x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { yb in model.forward(inputs: xb, targets: yb, B: 1, T: x.count) } }
            model.backward()
            optimizer.step(params: model.params, grads: model.grads)
            sft += 1
            if sft % 10 == 0, try reward() >= 0.15 { break }
        }
        print("  toy SFT: \(sft) steps, sampled reward \(try reward())")
        let meta: JSONValue = .object([("step", .int(0)), ("model_config", try JSONValue.encoding(model.config))])
        try CheckpointManager.save(dir: base + "/chatsft/d1", step: 0, model: model, optimizer: nil, loaderState: nil, meta: meta,
                                   tokenizer: tok, dist: .single)
        return (base, data)
    }

    static func options(_ base: String, data: String, steps: Int) -> RLOptions {
        var o = RLOptions()
        o.tokenizerDir = base + "/tokenizer"; o.checkpointsDir = base + "/chatsft"; o.outputDir = base + "/chatrl"
        o.modelTag = "d1"; o.trainData = data; o.testData = data
        o.deviceBatchSize = 8; o.numSamples = 8; o.examplesPerStep = 2; o.maxNewTokens = 16
        o.numEpochs = 3; o.numIterations = steps; o.evalEvery = -1; o.evalExamples = 2; o.saveEvery = -1
        o.initLrFrac = 1; o.threads = 2
        return o
    }

    /// chat_rl loads through ModelLoader, as every tool: a bare tokenizer.tiktoken is accepted, a retrained
    /// tokenizer (same vocab, other merges) is refused with one line naming the meta.
    func testLoadsThroughTheModelLoader() throws {
        let base = TestPaths.tempDir("chatrl_load")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let tok = try FingerprintTests.tokenizer()
        try tok.save(directory: base + "/tokenizer")
        let model = try GPT(config: GPTConfig(sequenceLen: 64, vocabSize: tok.vocabSize, nLayer: 1, nHead: 2, nKvHead: 2, nEmbd: 64))
        model.initWeights(seed: 3)
        let meta: JSONValue = .object([("step", .int(0)), ("model_config", try JSONValue.encoding(model.config))])
        try CheckpointManager.save(dir: base + "/chatsft/d1", step: 0, model: model, optimizer: nil, loaderState: nil, meta: meta,
                                   tokenizer: tok, dist: .single)
        let data = base + "/toy_gsm8k.jsonl"
        try (#"{"question": "2+5?", "answer": "7\n#### 7"}"# + "\n" + #"{"question": "3+4?", "answer": "7\n#### 7"}"# + "\n")
            .write(toFile: data, atomically: true, encoding: .utf8)
        var o = Self.options(base, data: data, steps: 1)
        o.tokenizerDir = base + "/tokenizer/tokenizer.tiktoken"
        let trainer = try RLTrainer(options: o, dist: .single)
        XCTAssertEqual(trainer.tokenizer.fingerprint, tok.fingerprint)
        try FingerprintTests.retrained(tok).save(directory: base + "/tokenizer")
        o.tokenizerDir = base + "/tokenizer"
        assertOneLineError({ _ = try RLTrainer(options: o, dist: .single) }, contains: ["meta_000000.json", "different merges"])
    }

    func testRewardRisesAndResumesExactly() throws {
        let (base, data) = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let full = try RLTrainer(options: Self.options(base, data: data, steps: 12), dist: .single)
        func heldOut(_ t: RLTrainer) throws -> Double {   // the same seeds before and after: a paired comparison
            try (0..<4).map { try t.rollouts(problem: $0, step: 1000).rewards.reduce(0, +) / 8 }.reduce(0, +) / 4
        }
        let before = try heldOut(full)
        try full.train()
        let after = try heldOut(full)
        print("  chat_rl toy: reward \(before) -> \(after); per step \(full.rewards)")
        XCTAssertGreaterThan(after, before, "RL did not raise the mean reward")
        XCTAssertEqual(full.rewards.count, 12)
        XCTAssertEqual(full.passAtK.last?.values.count, 8)
        XCTAssertTrue(Paths.exists(CheckpointManager.modelPath(base + "/chatrl/d1", 11)))
        // train_log.jsonl: reward, pg_loss and lrm (nanochat's linear ramp to 0) per step, pass@k at the end; report reads it
        let log = try XCTUnwrap(TrainLog.read(directory: base + "/chatrl/d1"))
        XCTAssertEqual(log.series(\.reward).map(\.y), full.rewards)
        XCTAssertEqual(log.series(\.lrm).map(\.y), (0..<12).map { 1 - Double($0) / 12 })
        let lines = try String(contentsOfFile: base + "/chatrl/d1/" + TrainLogWriter.fileName, encoding: .utf8)
            .split(separator: "\n").map { try JSONValue.parse(String($0), file: "train_log.jsonl") }
        XCTAssertEqual(lines.filter { $0["pg_loss"]?.double != nil }.count, 12)
        XCTAssertEqual(lines.last?["step"]?.int, 12)
        XCTAssertEqual(lines.last?["pass_at_8"]?.double, full.passAtK.last?.values.last)

        // interrupted after 5 steps (checkpoint at step 4), resumed: the same weights as the uninterrupted run
        var s = Self.options(base, data: data, steps: 12)
        s.outputDir = base + "/chatrl_split"; s.saveEvery = 4
        let first = try RLTrainer(options: s, dist: .single)
        try first.train(stopAfter: 5)
        s.resumeFromStep = Int.max
        let resumed = try RLTrainer(options: s, dist: .single)
        XCTAssertEqual(resumed.step, 5)
        XCTAssertEqual(resumed.cursor, 10)
        try resumed.train()
        XCTAssertEqual(resumed.rewards, Array(full.rewards.suffix(7)))
        XCTAssertEqual(TrainLog.read(directory: base + "/chatrl_split/d1")?.series(\.reward).map(\.y), full.rewards,
                       "the resumed run's log continues the interrupted one's")
        XCTAssertTrue(Array(resumed.model.params.buffer) == Array(full.model.params.buffer), "resumed weights differ")
        // chat_eval -i rl / chat_cli -i rl load it
        let loaded = try CheckpointManager.loadModel(checkpointsDir: base + "/chatrl", modelTag: "d1", step: nil)
        XCTAssertEqual(loaded.step, 11)
    }
}
