import XCTest
@testable import NanoChat

/// chat_sft end to end on a d2 base checkpoint: losses fall, val loss falls, exact resume, an all-masked
/// micro-batch does not stop the run.
final class ChatSFTTrainTests: XCTestCase {
    /// A d2 base checkpoint (20 base_train steps on the generated corpus, with optimizer state) in a temp base dir.
    static func baseCheckpoint() throws -> String {
        let base = try TrainTests.workspace()
        var o = TrainTests.options(base, iters: 20)
        o.maxSeqLen = 128; o.deviceBatchSize = 2; o.totalBatchSize = 512; o.modelTag = "d2"
        try BaseTrainer(options: o, dist: .single).train()
        return base
    }

    static func options(_ base: String, mixture: String, val: String?, iters: Int) -> SFTOptions {
        var o = SFTOptions()
        o.tokenizerDir = base + "/tokenizer"; o.checkpointsDir = base + "/ckpt"; o.outputDir = base + "/chatsft"
        o.sftDataDir = base + "/sft_data"
        o.modelTag = "d2"; o.mixture = mixture; o.valMixture = val
        o.numIterations = iters; o.deviceBatchSize = 2; o.totalBatchSize = 512   // T inherited (128): 2 micro-batches
        o.evalEvery = iters; o.evalTokens = 4 * 2 * 128
        o.chatcoreEvery = -1   // ChatCORE has its own tests (ChatSFTNanochatTests)
        o.threads = 2
        return o
    }

    func testFineTuneLossFallsAndResumesExactly() throws {
        guard let shared = TestPaths.shared else { throw XCTSkip("../shared absent") }
        let base = try Self.baseCheckpoint()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let sft = shared + "/data/sft"
        let mixture = "gsm8k:\(sft)/gsm8k_train.jsonl:1:0-400,mmlu:\(sft)/mmlu/dev:1,alpaca:\(sft)/alpaca_5000.json:1:0-400"
        let val = "gsm8k:\(sft)/gsm8k_train.jsonl:1:7000-7100,alpaca:\(sft)/alpaca_5000.json:1:4900-5000"
        var o = Self.options(base, mixture: mixture, val: val, iters: 30)
        o.maxSeqLen = 256; o.deviceBatchSize = nil; o.totalBatchSize = 1024   // fewer cut conversations than the base's 128
        let full = try SFTTrainer(options: o, dist: .single)
        XCTAssertEqual(full.B, 2, "device_batch_size inherited from the base meta")
        XCTAssertEqual(full.gradAccumSteps, 2)
        try full.train()
        XCTAssertEqual(full.losses.count, 30)
        // a step whose micro-batches hold only cut user prompts has no loss (NaN in the log)
        func mean(_ l: ArraySlice<Float>) -> Float { let v = l.filter { $0.isFinite }; return v.reduce(0, +) / Float(max(1, v.count)) }
        let head = mean(full.losses.prefix(8)), tail = mean(full.losses.suffix(8))
        print("  chat_sft d2: train loss \(head) (first 8) -> \(tail) (last 8); val \(full.evals.map { ($0.step, $0.loss) })")
        XCTAssertLessThan(tail, head, "training loss did not fall")
        XCTAssertEqual(full.evals.map(\.step), [0, 30])
        XCTAssertLessThan(full.evals[1].loss, full.evals[0].loss, "val loss did not fall")
        let meta = try CheckpointManager.loadMeta(base + "/chatsft/d2", 30)
        XCTAssertEqual(meta["model_config"]?["sequence_len"]?.int, 256)
        XCTAssertEqual(meta["user_config"]?["init_lr_frac"]?.double, 0.8)
        XCTAssertNotNil(meta["val_bpb"]?.double)

        // interrupted at step 15 (checkpoint), resumed in a new trainer: bit-identical
        var s = o; s.outputDir = base + "/chatsft_split"; s.saveEvery = 15
        let first = try SFTTrainer(options: s, dist: .single)
        try first.train(stopAfter: 15)
        XCTAssertEqual(first.losses.map(\.bitPattern), full.losses.prefix(15).map(\.bitPattern))
        s.resumeFromStep = Int.max
        let resumed = try SFTTrainer(options: s, dist: .single)
        XCTAssertEqual(resumed.step, 15)
        try resumed.train()
        XCTAssertEqual(resumed.losses.map(\.bitPattern), full.losses.suffix(15).map(\.bitPattern), "resumed losses differ")
        XCTAssertTrue(Array(resumed.model.params.buffer) == Array(full.model.params.buffer), "resumed weights differ")
        XCTAssertEqual(resumed.evals.last?.loss, full.evals.last?.loss)
    }

    func testAllMaskedMicroBatchDoesNotStopTheRun() throws {
        let base = try Self.baseCheckpoint()
        defer { try? FileManager.default.removeItem(atPath: base) }
        // conversations whose user prompt alone fills a row: cut to T+1, nothing supervised
        let long = String(repeating: "tell me a very long story about the sea and the ships ", count: 40)
        var lines: [String] = []
        for i in 0..<6 {
            let conv: [[String: String]] = [["role": "user", "content": long + "\(i)"], ["role": "assistant", "content": "ok"]]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: conv), as: UTF8.self))
        }
        lines.append(#"[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello there"}]"#)
        let file = base + "/long.jsonl"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let valFile = base + "/short.jsonl"
        try [#"[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello there"}]"#,
             #"[{"role":"user","content":"What is the sea?"},{"role":"assistant","content":"Salt water."}]"#]
            .joined(separator: "\n").write(toFile: valFile, atomically: true, encoding: .utf8)
        var o = Self.options(base, mixture: "customjson:\(file)", val: "customjson:\(valFile)", iters: -1)
        o.deviceBatchSize = 1; o.totalBatchSize = 256; o.evalEvery = -1   // B=1: a micro-batch is one row; 2 per step
        let t = try SFTTrainer(options: o, dist: .single)
        // the same mixture through a loader: the first micro-batches have no supervised target at all
        let probe = try SFTLoader(tokenizer: t.tokenizer, dataset: t.train, B: 1, T: 128, train: true)
        XCTAssertTrue(try probe.next().targets.allSatisfy { $0 == -1 })
        try t.train()   // one epoch: runs to the end and saves
        XCTAssertGreaterThanOrEqual(t.losses.count, 2)
        XCTAssertTrue(t.losses.first!.isNaN, "step 0 had only masked micro-batches: no loss, no stop")
        XCTAssertEqual(CheckpointManager.completeSteps(base + "/chatsft/d2"), [t.step])
        XCTAssertTrue(t.evals.allSatisfy { $0.loss.isFinite })
    }
}
