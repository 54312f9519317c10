import XCTest
@testable import NanoChat

/// The loop's guards and outputs on a tiny model: resume past the end, unwritable and reused checkpoint
/// directories, train_log.jsonl across a resume, the best checkpoint and early stopping.
final class TrainLoopTests: XCTestCase {
    func testResumePastTheEndIsRefusedUpFront() throws {
        let base = try TrainTests.workspace()
        var o = TrainTests.options(base, iters: 3); o.modelTag = "short"
        try BaseTrainer(options: o, dist: .single).train()
        o.resumeFromStep = 3; o.numIterations = 2
        assertOneLineError({ _ = try BaseTrainer(options: o, dist: .single) }, contains: "cannot resume from step 3: it is past the end")
        XCTAssertEqual(CheckpointManager.completeSteps(base + "/ckpt/short"), [3], "the refused run must not touch the checkpoints")
    }

    func testUnwritableOutputDirectoriesFailBeforeTraining() throws {
        let base = try TrainTests.workspace()
        let file = base + "/plain_file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        var o = TrainTests.options(base, iters: 3); o.checkpointsDir = file + "/ckpt"
        assertOneLineError({ _ = try BaseTrainer(options: o, dist: .single) }, contains: "cannot create the checkpoint directory")
        assertOneLineError({ try Paths.ensureWritable(file + "/eval", what: "eval output directory") }, contains: "cannot create the eval output directory")
        // permissions bind only non-root users (root writes anywhere)
        if geteuid() != 0 {
            let locked = base + "/locked"
            try Paths.ensureDir(locked)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked) }
            o.checkpointsDir = base; o.modelTag = "locked"
            assertOneLineError({ _ = try BaseTrainer(options: o, dist: .single) }, contains: "cannot write in the checkpoint directory")
        }
    }

    func testNewRunIntoAUsedTagIsRefusedUnlessOverwrite() throws {
        let base = try TrainTests.workspace()
        var o = TrainTests.options(base, iters: 2); o.modelTag = "used"; o.saveEvery = 1
        try BaseTrainer(options: o, dist: .single).train()
        let dir = base + "/ckpt/used"
        XCTAssertEqual(CheckpointManager.completeSteps(dir), [1, 2])
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        o.numIterations = 1
        assertOneLineError({ _ = try BaseTrainer(options: o, dist: .single) }, contains: "already holds checkpoints of steps 1, 2")
        XCTAssertThrowsError(try BaseTrainer(options: o, dist: .single)) {
            for hint in ["--resume-from-step", "--model-tag", "--overwrite"] { XCTAssertTrue("\($0)".contains(hint), "\($0)") }
        }
        o.overwrite = true
        let t = try BaseTrainer(options: o, dist: .single)
        XCTAssertEqual(CheckpointManager.completeSteps(dir), [], "--overwrite removes the old run before training")
        XCTAssertTrue(Paths.exists(dir + "/notes.txt"), "--overwrite removes only checkpoint files")
        try t.train()
        XCTAssertEqual(CheckpointManager.completeSteps(dir), [1])
    }

    /// train_log.jsonl rows without the timings.
    static func logRows(_ dir: String) throws -> [NSDictionary] {
        let text = try String(contentsOfFile: dir + "/" + TrainLogWriter.fileName, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let d = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return d.filter { !["dt", "tok_per_sec", "mfu"].contains($0.key) } as NSDictionary
        }
    }

    func testTrainLogOfAResumedRunEqualsTheUninterruptedOne() throws {
        let base = try TrainTests.workspace()
        var o = TrainTests.options(base, iters: 5); o.evalEvery = 2; o.evalTokens = 512; o.modelTag = "full"
        try BaseTrainer(options: o, dist: .single).train()
        let full = try Self.logRows(base + "/ckpt/full")
        XCTAssertEqual(full.count, 6, "one line per step plus the final eval")
        XCTAssertEqual(full.map { $0["step"] as? Int }, [0, 1, 2, 3, 4, 5])
        XCTAssertNotNil(full[2]["val_bpb"]); XCTAssertNil(full[1]["val_bpb"]); XCTAssertNotNil(full[5]["val_bpb"])
        for key in ["loss", "raw_loss", "lrm"] { XCTAssertNotNil(full[0][key], key) }
        let raw = try String(contentsOfFile: base + "/ckpt/full/train_log.jsonl", encoding: .utf8)
        XCTAssertTrue(raw.hasPrefix("{\"step\": 0, \"loss\": "), raw)
        XCTAssertTrue(raw.contains("\"tok_per_sec\": "), raw)

        // interrupted after training step 2 (checkpoint at 2, so step 2's line is past it), then resumed
        o.modelTag = "split"; o.saveEvery = 2
        try BaseTrainer(options: o, dist: .single).train(stopAfter: 3)
        XCTAssertEqual(try Self.logRows(base + "/ckpt/split").count, 3)
        o.resumeFromStep = Int.max
        try BaseTrainer(options: o, dist: .single).train()
        XCTAssertEqual(try Self.logRows(base + "/ckpt/split"), full)
    }

    func testSaveBestAndEarlyStopping() throws {
        let base = try TrainTests.workspace()
        var o = TrainTests.options(base, iters: 20); o.modelTag = "es"
        o.evalEvery = 1; o.evalTokens = 512; o.saveEvery = 1; o.keepLast = 1
        // a min delta no step can reach: every eval after the first is "no improvement"
        o.saveBest = true; o.earlyStoppingPatience = 2; o.earlyStoppingMinDelta = 100
        let t = try BaseTrainer(options: o, dist: .single)
        try t.train()
        XCTAssertEqual(t.step, 2)
        XCTAssertTrue(t.loop.stopReason?.contains("Early stopping at step 2") ?? false, "\(String(describing: t.loop.stopReason))")
        let dir = base + "/ckpt/es"
        XCTAssertEqual(CheckpointManager.completeSteps(dir), [2], "a final checkpoint at the stop, older ones pruned")
        let bestStep = try XCTUnwrap(t.loop.state.bestStep)
        XCTAssertEqual(CheckpointManager.completeSteps(dir + "/best"), [bestStep], "best/ holds one step and is never pruned")
        let meta = try CheckpointManager.loadMeta(dir + "/best", bestStep)
        XCTAssertEqual(meta["val_bpb"]?.double, t.minValBpb)

        // base_eval --step=best and --init-from=<dir>/best load it
        let loaded = try CheckpointManager.loadModel(checkpointsDir: base + "/ckpt", modelTag: "es", step: nil, best: true)
        XCTAssertEqual(loaded.step, bestStep)
        var o2 = TrainTests.options(base, iters: 1); o2.modelTag = "from-best"; o2.initFrom = dir + "/best"
        let t2 = try BaseTrainer(options: o2, dist: .single)
        XCTAssertTrue(Array(t2.model.params.buffer) == Array(loaded.model.params.buffer))
        assertOneLineError({ _ = try CheckpointManager.loadModel(checkpointsDir: base + "/ckpt", modelTag: "from-best", step: nil, best: true) },
                           contains: "no best checkpoint")

        // a new run into the tag counts best/ as a previous run too
        try FileManager.default.removeItem(atPath: CheckpointManager.metaPath(dir, 2))
        assertOneLineError({ _ = try BaseTrainer(options: o, dist: .single) }, contains: "already holds a best/ checkpoint")
        o.evalEvery = -1; o.modelTag = "no-evals"
        assertOneLineError({ _ = try BaseTrainer(options: o, dist: .single) }, contains: "needs val bpb evaluations")
    }
}
