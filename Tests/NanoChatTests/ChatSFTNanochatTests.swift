import XCTest
@testable import NanoChat

/// chat_sft against nanochat's scripts/chat_sft.py: the steps and lr curve of `--num-iterations`, the debiased
/// loss of the step line, `--eval-every=0`, `--*-epochs=0`, and ChatCORE every `--chatcore-every` and at the end.
final class ChatSFTNanochatTests: XCTestCase {
    /// `n` short two-turn conversations, different enough to pack unevenly.
    static func conversations(_ dir: String, _ n: Int) throws -> String {
        let file = dir + "/convs.jsonl"
        var lines: [String] = []
        for i in 0..<n {
            let conv: [[String: String]] = [["role": "user", "content": "What is \(i) plus \(i % 7)?" + String(repeating: " please", count: i % 5)],
                                            ["role": "assistant", "content": "It is \(i + i % 7)." + String(repeating: " Indeed.", count: i % 3)]]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: conv), as: UTF8.self))
        }
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// nanochat's loop with `--num-iterations=M` and `grad_accum_steps=A`: one prefetched batch (it = 1), then
    /// A batches per step, each `it += 1`, `last_step` once it ≥ M, `progress = max(progress, it / M)`, and the
    /// step's lr multiplier `get_lr_multiplier(progress)` taken after its batches were drawn.
    static func nanochatLrMultipliers(numIterations M: Int, accum A: Int, warmupRatio: Double, warmdownRatio: Double,
                                      finalLrFrac: Double) -> [Double] {
        func lrm(_ p: Double) -> Double {
            if p < warmupRatio { return (p + 1e-8) / warmupRatio }
            if p <= 1 - warmdownRatio { return 1 }
            let decay = (p - (1 - warmdownRatio)) / warmdownRatio
            return (1 - decay) + decay * finalLrFrac
        }
        var it = 1, progress = 0.0, lastStep = it >= M, out: [Double] = []
        while !lastStep {
            for _ in 0..<A {
                it += 1
                if it >= M { lastStep = true }
                progress = max(progress, Double(it) / Double(M))
            }
            out.append(lrm(progress))
        }
        return out
    }

    /// `--num-iterations=N` at accumulation 2 runs N optimizer steps whose lrs are nanochat's for
    /// `--num-iterations=2N+1`; `--eval-every=0` evaluates only at the end; the logged loss is nanochat's
    /// debiased EMA (step 1: 0.1·loss / (1 − 0.9²)).
    func testNumIterationsStepsLrCurveAndDebiasedLoss() throws {
        let base = try ChatSFTTrainTests.baseCheckpoint()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let file = try Self.conversations(base, 600)
        var o = ChatSFTTrainTests.options(base, mixture: "customjson:\(file)", val: "customjson:\(file):1:0-20", iters: 6)
        o.evalEvery = 0; o.warmupRatio = 0.2; o.warmdownRatio = 0.5; o.finalLrFrac = 0.1
        let t = try SFTTrainer(options: o, dist: .single)
        XCTAssertEqual(t.gradAccumSteps, 2)
        try t.train()
        XCTAssertEqual(t.losses.count, 6, "--num-iterations counts optimizer steps")
        XCTAssertEqual(t.evals.map(\.step), [6], "--eval-every=0: val bpb only at the end")

        let expected = Self.nanochatLrMultipliers(numIterations: 6 * 2 + 1, accum: 2, warmupRatio: 0.2, warmdownRatio: 0.5, finalLrFrac: 0.1)
        XCTAssertEqual(expected.count, 6, "nanochat's --num-iterations=13 at accumulation 2 is 6 steps")
        let text = try String(contentsOfFile: t.outputDir + "/" + TrainLogWriter.fileName, encoding: .utf8)
        let lines = try text.split(separator: "\n").map { try JSONValue.parse(String($0), file: "train_log.jsonl") }
        let trained = lines.filter { $0["lrm"] != nil }
        XCTAssertEqual(trained.compactMap { $0["step"]?.int }, Array(0..<6))
        for (line, want) in zip(trained, expected) {
            XCTAssertEqual(line["lrm"]!.double!, want, accuracy: 1e-12, "lr multiplier of step \(line["step"]!.int!)")
        }
        let first = trained[0], raw = first["raw_loss"]!.double!
        XCTAssertEqual(first["loss"]!.double!, 0.1 * raw / (1 - 0.81), accuracy: 1e-9 * raw, "nanochat's debiasing of step 1")
        XCTAssertEqual(lines.last?["step"]?.int, 6)
        XCTAssertNotNil(lines.last?["val_bpb"]?.double)
    }

    /// ChatCORE at every `--chatcore-every` step (not step 0) and at the end, logged to train_log.jsonl.
    func testChatCoreCadenceAndLog() throws {
        guard let shared = TestPaths.shared else { throw XCTSkip("../shared absent (the ChatCORE task files)") }
        let base = try ChatSFTTrainTests.baseCheckpoint()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let file = try Self.conversations(base, 300)
        var o = ChatSFTTrainTests.options(base, mixture: "customjson:\(file)", val: "customjson:\(file):1:0-20", iters: 3)
        o.evalEvery = -1
        o.chatcoreEvery = 2; o.chatcoreMaxCat = 2; o.chatcoreMaxSample = 1; o.chatcoreDataDir = shared + "/data"
        let t = try SFTTrainer(options: o, dist: .single)
        try t.train()
        XCTAssertEqual(t.chatcoreEvals.map(\.step), [2, 3])
        let logged = TrainLog.read(directory: t.outputDir)!
        let text = try String(contentsOfFile: t.outputDir + "/" + TrainLogWriter.fileName, encoding: .utf8)
        let lines = try text.split(separator: "\n").map { try JSONValue.parse(String($0), file: "train_log.jsonl") }
        let withCat = lines.filter { $0["chatcore_cat"]?.double != nil }.compactMap { $0["step"]?.int }
        XCTAssertEqual(withCat, [2, 3])
        for line in lines where line["chatcore_cat"] != nil {
            for slug in ["arc_easy", "arc_challenge", "mmlu", "gsm8k"] {
                let acc = line["chatcore_\(slug)"]?.double
                XCTAssertNotNil(acc, "chatcore_\(slug) at step \(line["step"]!.int!)")
                XCTAssertTrue((0...1).contains(acc ?? -1))
            }
        }
        if PythonSandbox() != nil {
            XCTAssertEqual(logged.series(\.chatcore).map(\.x), [2, 3], "report's ChatCORE series")
        }
    }

    /// An explicit `--chatcore-data-dir` without the task files stops the run before training; ChatCORE off
    /// needs no files.
    func testChatCoreDataChecks() throws {
        var o = SFTOptions()
        o.chatcoreDataDir = "/nonexistent/chatcore"
        XCTAssertThrowsError(try SFTChatCore(options: o)) { XCTAssertTrue("\($0)".contains("/nonexistent/chatcore"), "\($0)") }
        o.chatcoreEvery = -1
        let off = try SFTChatCore(options: o)
        XCTAssertNil(off.dataDir)
        XCTAssertFalse(off.isDue(step: 10, last: true))
        o.chatcoreEvery = 0
        XCTAssertNil(try SFTChatCore(options: o).dataDir)
    }

    /// `--eval-every=0`, `--chatcore-every=0`, `--mmlu-epochs=0`, `--gsm8k-epochs=0` parse; epochs 0 drops that task
    /// from training (its validation split stays), in nanochat's mixture and in the bundled one.
    func testZeroValuesAndEpochsDropTasks() throws {
        let o = try SFTOptions.parse(["--eval-every=0", "--chatcore-every=0", "--mmlu-epochs=0", "--gsm8k-epochs=0"])
        XCTAssertEqual([o.evalEvery, o.chatcoreEvery, o.mmluEpochs, o.gsm8kEpochs], [0, 0, 0, 0])
        XCTAssertThrowsError(try SFTOptions.parse(["--mmlu-epochs=-1"]))

        let dir = TestPaths.tempDir("sftepochs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for sub in ["smoltalk/train.jsonl", "smoltalk/test.jsonl", "mmlu/auxiliary_train.jsonl", "mmlu/test.jsonl",
                    "gsm8k/train.jsonl", "gsm8k/test.jsonl"] {
            try Paths.ensureDir((dir + "/" + sub as NSString).deletingLastPathComponent)
            try Data("{}\n".utf8).write(to: URL(fileURLWithPath: dir + "/" + sub))
        }
        let both = MixtureSpec.defaults(sftDataDir: dir, mmluEpochs: 3, gsm8kEpochs: 4)
        XCTAssertEqual(both.train.map(\.task), ["smoltalk", "mmlu", "gsm8k"])
        let none = MixtureSpec.defaults(sftDataDir: dir, mmluEpochs: 0, gsm8kEpochs: 0)
        XCTAssertEqual(none.train.map(\.task), ["smoltalk"])
        XCTAssertEqual(none.val.map(\.task), ["smoltalk", "mmlu", "gsm8k"])
        let paths = ["gsm8k_train.jsonl": "g", "mmlu_dev.jsonl": "m", "conversations.jsonl": "c"]
        XCTAssertEqual(SFTMixtures.bundled(paths: paths, mmluEpochs: 0, gsm8kEpochs: 2).map(\.task), ["gsm8k", "customjson"])
        XCTAssertEqual(SFTMixtures.bundled(paths: paths, mmluEpochs: 1, gsm8kEpochs: 0).map(\.task), ["mmlu", "customjson"])
    }
}
