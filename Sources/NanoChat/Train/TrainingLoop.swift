import Foundation

/// What the evaluations before a step measured (nil = not computed at that step).
public struct StepEvals {
    public var valBpb: Double?
    public var core: Double?
    /// More train_log.jsonl fields of this step (chat_sft: `chatcore`, `chatcore_cat`, per task).
    public var extra: [(String, Double?)] = []
    public init(valBpb: Double? = nil, core: Double? = nil, extra: [(String, Double?)] = []) {
        self.valBpb = valBpb; self.core = core; self.extra = extra
    }
    var logFields: [(String, Double?)] { [("val_bpb", valBpb), ("core", core)] + extra }
    var isEmpty: Bool { valBpb == nil && core == nil && extra.allSatisfy { $0.1 == nil } }
}

/// Which nanochat script's step line and final lines the loop prints (log parsers written for nanochat read them).
public enum StepLineFormat {
    /// scripts/base_train.py: `step 00000/00200 (0.00%) | loss: …`, the step before it ran; minimum bpb to 6 places.
    case baseTrain
    /// scripts/chat_sft.py: `step 00001 (0.52%) | loss: …`, the step count after it ran, percent = epoch
    /// progress, the EMA debiased by 1 − 0.9^(n+1) for step n (nanochat's, one power past base_train's);
    /// `Peak memory usage: …MiB` and the minimum bpb to 4 places.
    case chatSFT
}

/// The loop's own state, saved in the checkpoint meta as `loop_state` (plus `step`, `val_bpb`) so a resumed
/// run continues bit for bit.
public struct LoopState {
    public var step = 0
    public var valBpb: Double? = nil
    public var minValBpb = Double.infinity
    public var smoothTrainLoss = 0.0
    public var totalTrainingTime = 0.0
    /// Step of the lowest val bpb so far (the `best` checkpoint with --save-best).
    public var bestStep: Int? = nil
    /// Early stopping: the last val bpb that improved by at least min-delta, and the evals since then.
    public var earlyStoppingReference = Double.infinity
    public var evalsWithoutImprovement = 0
    public init() {}

    /// The state stored in a checkpoint meta (missing keys keep their fresh-run values).
    public init(meta: JSONValue, step resumeStep: Int) {
        step = meta["step"]?.int ?? resumeStep
        valBpb = meta["val_bpb"]?.double
        if let ls = meta["loop_state"] {
            minValBpb = ls["min_val_bpb"]?.double ?? .infinity
            smoothTrainLoss = ls["smooth_train_loss"]?.double ?? 0
            totalTrainingTime = ls["total_training_time"]?.double ?? 0
            bestStep = ls["best_step"]?.int
            earlyStoppingReference = ls["early_stopping_reference"]?.double ?? .infinity
            evalsWithoutImprovement = ls["evals_without_improvement"]?.int ?? 0
        }
    }

    /// meta's `loop_state` object.
    public var json: JSONValue {
        .object([("min_val_bpb", .double(minValBpb)), ("smooth_train_loss", .double(smoothTrainLoss)),
                 ("total_training_time", .double(totalTrainingTime)), ("best_step", bestStep.map { .int($0) } ?? .null),
                 ("early_stopping_reference", .double(earlyStoppingReference)),
                 ("evals_without_improvement", .int(evalsWithoutImprovement))])
    }
}

/// Checkpoint policy of a run (base_train's and chat_sft's flags of the same names).
public struct LoopOptions {
    /// Save every N steps (-1: only at the end).
    public var saveEvery = -1
    /// Keep only the newest N step checkpoints (-1: all); never touches `best/`.
    public var keepLast = -1
    /// Keep the checkpoint with the lowest val bpb in `<checkpoint dir>/best/` (a checkpoint directory of one step).
    public var saveBest = false
    /// Stop after this many val bpb evaluations without an improvement of at least `earlyStoppingMinDelta` (≤ 0:
    /// never).
    public var earlyStoppingPatience = -1
    public var earlyStoppingMinDelta = 0.0
    public var lineFormat = StepLineFormat.baseTrain
    public init(saveEvery: Int = -1, keepLast: Int = -1, saveBest: Bool = false, earlyStoppingPatience: Int = -1,
                earlyStoppingMinDelta: Double = 0, lineFormat: StepLineFormat = .baseTrain) {
        self.saveEvery = saveEvery; self.keepLast = keepLast; self.saveBest = saveBest
        self.earlyStoppingPatience = earlyStoppingPatience; self.earlyStoppingMinDelta = earlyStoppingMinDelta
        self.lineFormat = lineFormat
    }
}

/// What a run plugs into `TrainingLoop`: when to stop, what to evaluate, how to save.
public protocol TrainingHooks: AnyObject {
    /// True when `step` is the final pass (evaluate, save, stop; no training). base_train: step == num_iterations;
    /// chat_sft: its epoch is consumed, agreed across ranks.
    func isLastStep(_ step: Int) throws -> Bool
    /// Evaluations (val bpb, CORE, samples…) due before training `step`, or at the end when `last`; each hook
    /// decides its own cadence and prints its own lines.
    func evaluate(step: Int, last: Bool) throws -> StepEvals
    /// Writes a checkpoint of `step` into `dir` (the run's checkpoint dir, or its `best/`); the loop's state to
    /// store is `loop.state`. Pruning is the loop's.
    func save(step: Int, to dir: String) throws
}

/// nanochat's training loop (scripts/base_train.py: the training loop) around the shared `TrainStep`: each pass
/// evaluates (hook), keeps the best checkpoint and counts early-stopping patience, saves (hook, at the end and every
/// `saveEvery` steps), then runs one step, prints one line with loss, lrm, dt, tok/sec, mfu and ETA, and appends it
/// to `train_log.jsonl` (see `TrainLogWriter` for the schema). base_train drives it with its `DataLoader`,
/// `PretrainSchedule` and `BaseTrainer` as hooks.
///
/// How chat_sft plugs in (without copying the loop):
/// - a `MicroBatchSource` yielding packed conversation rows with targets −1 where the mask is 0
///   (an all-masked micro-batch is skipped with zero gradient, see `TrainStep`);
/// - a `TrainSchedule` whose `settings(step:)` reads the source's epoch progress (called after the step's
///   micro-batches were drawn): lr multiplier from progress, Muon momentum ramp 0.85→0.95 over 300 steps,
///   weight decay 0;
/// - a `TrainingHooks` object: `isLastStep` = epoch consumed (all-reduce MAX across ranks), `evaluate` =
///   val bpb on the validation mixture at `--eval-every` and at the end, `save(step:to:)` = its checkpoint +
///   meta (with `loop.state.json` as `loop_state`);
/// - `RunDirectory.prepare` before the first step (writable dir, no mixing with another run, `--overwrite`);
/// - `numIterations` is the horizon for the log line and ETA (an estimate when the run ends by epoch).
public final class TrainingLoop {
    public let trainStep: TrainStep
    public let numIterations: Int
    public let options: LoopOptions
    public let flopsPerToken: Double
    public var state: LoopState
    /// The logged loss (last micro-batch with valid targets; NaN if none) of each step run in this process.
    public private(set) var losses: [Float] = []
    /// Why the last `run` ended early ("early stopping: …"), nil when it ran to its last step.
    public private(set) var stopReason: String? = nil
    var peakGFLOPS = 0.0
    var log: TrainLogWriter? = nil

    public init(trainStep: TrainStep, numIterations: Int, options: LoopOptions, flopsPerToken: Double, state: LoopState = LoopState()) {
        self.trainStep = trainStep; self.numIterations = numIterations; self.options = options
        self.flopsPerToken = flopsPerToken; self.state = state
    }

    var dist: Distributed { trainStep.dist }
    public var checkpointDir: String { trainStep.checkpointDir }
    public var bestDir: String { RunDirectory.bestDir(checkpointDir) }

    /// Runs passes until the hooks say last (inclusive final eval/save) or early stopping ends the run, or
    /// until `stopAfter` steps have run in this call (tests use it to simulate an interruption).
    public func run(source: MicroBatchSource, schedule: TrainSchedule, hooks: TrainingHooks, stopAfter: Int? = nil) throws {
        if dist.rank == 0 {
            log = try TrainLogWriter(directory: checkpointDir, firstStep: state.step)
            let peak = PeakFLOPS.estimate(cores: Threads.count)
            peakGFLOPS = peak.gflops
            print0("MFU denominator (fp32 peak per rank): \(peak.description)")
            print0(BLASKernel.description)
        }
        let startStep = state.step
        var stepsRun = 0
        stopReason = nil
        while true {
            let step = state.step
            var last = try hooks.isLastStep(step)
            let evals = try hooks.evaluate(step: step, last: last)
            if let bpb = evals.valBpb { try recordValBpb(bpb, step: step, last: last, hooks: hooks) }
            if stopReason != nil { last = true }
            // never re-save the checkpoint this run resumed from
            if last || (step > startStep && options.saveEvery > 0 && step % options.saveEvery == 0) {
                try hooks.save(step: step, to: checkpointDir)
                if dist.rank == 0 && options.keepLast > 0 { CheckpointManager.prune(checkpointDir, keepLast: options.keepLast) }
            }
            if last {
                if !evals.isEmpty { try log?.append(step: step, evals.logFields) }
                break
            }
            if let s = stopAfter, stepsRun >= s { return }

            let result = try trainStep.run(step: step, source: source, schedule: schedule)
            try logStep(result, evals: evals, source: source)
            state.step += 1
            stepsRun += 1
        }
        if let why = stopReason { print0(why) }
        let sft = options.lineFormat == .chatSFT
        print0(sft ? String(format: "Peak memory usage: %.2fMiB (RSS)", Double(Memory.peakRSS) / 1048576) : "Peak memory (RSS): \(Memory.format(Memory.peakRSS))")
        print0(String(format: "Total training time: %.2fm", state.totalTrainingTime / 60))
        print0(state.minValBpb.isFinite ? String(format: sft ? "Minimum validation bpb: %.4f" : "Minimum validation bpb: %.6f", state.minValBpb)
                                        : "Minimum validation bpb: n/a (no eval)")
    }

    /// Tracks the minimum, saves `best/` on a new minimum (--save-best), and counts early-stopping patience.
    func recordValBpb(_ bpb: Double, step: Int, last: Bool, hooks: TrainingHooks) throws {
        let improved = bpb < state.minValBpb
        state.valBpb = bpb
        state.minValBpb = min(state.minValBpb, bpb)
        if improved {
            state.bestStep = step
            if options.saveBest {
                try hooks.save(step: step, to: bestDir)
                if dist.rank == 0 { CheckpointManager.prune(bestDir, keepLast: 1) }
            }
        }
        guard options.earlyStoppingPatience > 0 else { return }
        if bpb < state.earlyStoppingReference - options.earlyStoppingMinDelta {
            state.earlyStoppingReference = bpb
            state.evalsWithoutImprovement = 0
        } else {
            state.evalsWithoutImprovement += 1
        }
        if !last && state.evalsWithoutImprovement >= options.earlyStoppingPatience {
            stopReason = String(format: "Early stopping at step %d: val bpb did not improve by at least %g in %d evaluations (best %.6f at step %d)",
                                step, options.earlyStoppingMinDelta, state.evalsWithoutImprovement, state.minValBpb, state.bestStep ?? 0)
        }
    }

    /// nanochat's step line (base_train's or chat_sft's, `options.lineFormat`), with fp32 MFU against the CPU's FMA
    /// limit (PeakFLOPS) and our extra fields (ETA, the loader's position) at the end; the same numbers go to
    /// train_log.jsonl.
    func logStep(_ r: StepResult, evals: StepEvals, source: MicroBatchSource) throws {
        let step = state.step, N = numIterations
        let sft = options.lineFormat == .chatSFT
        losses.append(r.loss ?? .nan)
        // a step without any valid target on this rank leaves the smoothed loss as it was
        if let loss = r.loss { state.smoothTrainLoss = 0.9 * state.smoothTrainLoss + 0.1 * Double(loss) }
        let debiased = state.smoothTrainLoss / (1 - pow(0.9, Double(step + (sft ? 2 : 1))))
        let tokens = Double(trainStep.tokensPerStep)
        let tokPerSec = Int(tokens / r.dt)
        let mfu = peakGFLOPS > 0 ? 100 * flopsPerToken * tokens / r.dt / (peakGFLOPS * 1e9 * Double(dist.worldSize)) : 0
        // nanochat counts the time of steps after the first 10 (base_train before its `step += 1`, chat_sft after)
        if step + (sft ? 1 : 0) > 10 { state.totalTrainingTime += r.dt }
        let timed = step + (sft ? 1 : 0) - 10
        let perStep = timed > 0 ? state.totalTrainingTime / Double(timed) : r.dt
        let eta = Double(max(0, N - (step + 1))) * perStep
        let common = String(format: "loss: %.6f | lrm: %.2f | dt: %.2fms | tok/sec: %@ | mfu: %.2f | %@ | total time: %.2fm",
                            debiased, r.settings.lrMultiplier, r.dt * 1000, commas(tokPerSec), mfu, source.logPosition,
                            state.totalTrainingTime / 60)
        if sft {
            let pct = 100 * (source.progressFraction ?? Double(step + 1) / Double(max(N, 1)))
            print0(String(format: "step %05d (%.2f%%) | %@ | eta: %.1fm%@", step + 1, pct, common, eta / 60, source.logExtra))
        } else {
            print0(String(format: "step %05d/%05d (%.2f%%) | %@ | eta: %.1fm%@", step, N, 100 * Double(step) / Double(max(N, 1)), common,
                          eta / 60, source.logExtra))
        }
        if step == 0 { print0("Peak memory (RSS) after first step: \(Memory.format(Memory.peakRSS))") }
        try log?.append(step: step, [("loss", debiased), ("raw_loss", r.loss.map(Double.init)), ("lrm", r.settings.lrMultiplier),
                                     ("dt", r.dt), ("tok_per_sec", Double(tokPerSec)), ("mfu", mfu)] + evals.logFields)
    }
}
