import XCTest
@testable import NanoChat

/// base_train end to end on a tiny model: exact resume, interrupted saves, non-finite loss, loss going down.
final class TrainTests: XCTestCase {
    /// A temp base dir with a vocab-4096 tokenizer (the committed fixture) and the generated corpus.
    static func workspace() throws -> String {
        let base = TestPaths.tempDir("train")
        let tok = try Tokenizer.load(tiktokenFile: TestPaths.fixture("tokenizer_multi_4096/tokenizer.tiktoken"))
        try tok.save(directory: base + "/tokenizer")
        _ = try GeneratedCorpus.generate(into: base + "/base_data")
        return base
    }

    static func options(_ base: String, iters: Int) -> TrainOptions {
        var o = TrainOptions()
        o.depth = 2; o.aspectRatio = 32; o.headDim = 32; o.maxSeqLen = 64; o.windowPattern = "SL"
        o.deviceBatchSize = 2; o.totalBatchSize = 256      // 2 micro-batches: exercises accumulation
        o.numIterations = iters; o.warmupSteps = 2
        o.evalEvery = -1; o.sampleEvery = -1; o.coreMetricEvery = -1
        o.dataDir = base + "/base_data"; o.tokenizerDir = base + "/tokenizer"; o.checkpointsDir = base + "/ckpt"
        o.threads = 2
        return o
    }

    func params(_ t: BaseTrainer) -> [Float] { Array(t.model.params.buffer) }

    func testResumeIsBitIdentical() throws {
        let base = try Self.workspace()
        let dist = Distributed.single
        // uninterrupted: 7 steps
        var o = Self.options(base, iters: 7); o.modelTag = "full"
        let full = try BaseTrainer(options: o, dist: dist)
        try full.train()
        XCTAssertEqual(full.losses.count, 7)

        // interrupted after 4 steps (checkpoint at step 4), then resumed for the rest
        o.modelTag = "split"; o.saveEvery = 4
        let first = try BaseTrainer(options: o, dist: dist)
        try first.train(stopAfter: 4)
        XCTAssertEqual(first.losses, Array(full.losses.prefix(4)))
        o.resumeFromStep = Int.max   // "last"
        let resumed = try BaseTrainer(options: o, dist: dist)
        XCTAssertEqual(resumed.step, 4)
        try resumed.train()
        XCTAssertEqual(resumed.losses, Array(full.losses.suffix(3)), "resumed losses differ")
        XCTAssertTrue(params(resumed) == params(full), "resumed weights differ from the uninterrupted run")
        XCTAssertEqual(resumed.smoothTrainLoss, full.smoothTrainLoss)
        // both ended with a final checkpoint at step 7, with the meta written last
        XCTAssertEqual(CheckpointManager.completeSteps(base + "/ckpt/split"), [4, 7])
        let meta = try CheckpointManager.loadMeta(base + "/ckpt/split", 7)
        XCTAssertEqual(meta["step"]?.int, 7)
        XCTAssertEqual(meta["loop_state"]?["min_val_bpb"]?.double, .infinity)   // never evaluated → Infinity
        XCTAssertNotNil(meta["dataloader_state_dict"]?["pq_idx"])
        XCTAssertEqual(meta["user_config"]?["depth"]?.int, 2)
    }

    func testInterruptedSaveLeavesPreviousCheckpointLoadable() throws {
        let base = try Self.workspace()
        var o = Self.options(base, iters: 3); o.modelTag = "crash"
        try BaseTrainer(options: o, dist: .single).train()
        let dir = base + "/ckpt/crash"
        // a later save that died between files: model written (and a half-written temp), no optimizer, no meta
        try FileManager.default.copyItem(atPath: CheckpointManager.modelPath(dir, 3), toPath: CheckpointManager.modelPath(dir, 5))
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: CheckpointManager.optimPath(dir, 5, rank: 0) + ".tmp"))
        XCTAssertEqual(try CheckpointManager.lastStep(dir), 3)
        let (model, _, _, step) = try CheckpointManager.loadModel(checkpointsDir: base + "/ckpt", modelTag: "crash", step: nil)
        XCTAssertEqual(step, 3)
        XCTAssertEqual(model.config.nLayer, 2)
        o.resumeFromStep = Int.max
        XCTAssertEqual(try BaseTrainer(options: o, dist: .single).step, 3)
        // a corrupt model file is a one-line error naming it
        try Data(repeating: 1, count: 64).write(to: URL(fileURLWithPath: CheckpointManager.modelPath(dir, 3)))
        XCTAssertThrowsError(try CheckpointManager.loadModel(dir: dir, step: 3)) {
            XCTAssertTrue("\($0)".contains("model_000003.safetensors"), "\($0)")
        }
    }

    func testInitFromLoadsWeightsWithAFreshOptimizer() throws {
        let base = try Self.workspace()
        var o = Self.options(base, iters: 2); o.modelTag = "src"
        let src = try BaseTrainer(options: o, dist: .single)
        try src.train()
        o.modelTag = "continued"; o.initFrom = base + "/ckpt/src"   // a checkpoint dir: its last step
        let t = try BaseTrainer(options: o, dist: .single)
        XCTAssertTrue(Array(t.model.params.buffer) == Array(src.model.params.buffer))
        XCTAssertEqual(t.step, 0)
        XCTAssertEqual(t.optimizer.stepCount, 0)
        o.initFrom = base + "/ckpt/none"
        XCTAssertThrowsError(try BaseTrainer(options: o, dist: .single)) { XCTAssertTrue("\($0)".contains("no such checkpoint"), "\($0)") }
    }

    func testNonFiniteLossStopsWithoutSaving() throws {
        let base = try Self.workspace()
        var o = Self.options(base, iters: 3); o.modelTag = "nan"
        let t = try BaseTrainer(options: o, dist: .single)
        let wte = t.model.layout.entry("transformer.wte.weight")
        t.model.params.ptr.advanced(by: wte.offset).update(repeating: .nan, count: wte.count)
        XCTAssertThrowsError(try t.train()) { XCTAssertTrue("\($0)".contains("loss became nan at step 0"), "\($0)") }
        XCTAssertEqual(CheckpointManager.completeSteps(base + "/ckpt/nan"), [])
    }

    func testBatchDivisibilityError() throws {
        let base = try Self.workspace()
        var o = Self.options(base, iters: 3); o.totalBatchSize = 300
        XCTAssertThrowsError(try BaseTrainer(options: o, dist: .single)) { XCTAssertTrue("\($0)".contains("not divisible"), "\($0)") }
        o.totalBatchSize = 256; o.tokenizerDir = base + "/nope"
        XCTAssertThrowsError(try BaseTrainer(options: o, dist: .single)) { XCTAssertTrue("\($0)".contains("no tokenizer"), "\($0)") }
    }

    func testLossGoesDownAndEvalsRun() throws {
        let base = try Self.workspace()
        var o = Self.options(base, iters: 30); o.modelTag = "learn"; o.evalEvery = 30; o.evalTokens = 1024; o.sampleEvery = 30
        // 256-token batches scale nanochat's lrs by sqrt(256/2^19) ≈ 0.02; undo most of that for a short run
        o.embeddingLr *= 10; o.unembeddingLr *= 10; o.matrixLr *= 10; o.scalarLr *= 10
        // real text when ../shared is present (tinyshakespeare, one file: last 1% is val), else the generated corpus
        if let shared = TestPaths.shared { o.dataDir = shared + "/data/text/tinyshakespeare.txt" }
        let t = try BaseTrainer(options: o, dist: .single)
        try t.train()
        let first = t.losses.prefix(3).reduce(0, +) / 3, last = t.losses.suffix(3).reduce(0, +) / 3
        XCTAssertLessThan(last, first - 0.5, "loss did not go down: \(first) → \(last)")
        XCTAssertNotNil(t.valBpb)
        XCTAssertTrue(t.valBpb!.isFinite)
    }
}
