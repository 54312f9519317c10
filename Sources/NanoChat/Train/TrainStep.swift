import Foundation

/// One micro-batch of one rank: inputs and targets, each B·T Int32 in row-major [B, T] order.
/// A target of −1 is ignored (no loss, no gradient); SFT masks everything but assistant tokens this way.
public struct MicroBatch {
    public var inputs: [Int32]      // [B, T]
    public var targets: [Int32]     // [B, T], −1 = ignore
    public init(inputs: [Int32], targets: [Int32]) { self.inputs = inputs; self.targets = targets }
}

/// Where a training run gets its micro-batches: base_train's `DataLoader` (packed documents),
/// chat_sft's packed conversations. Each call returns this rank's next micro-batch.
public protocol MicroBatchSource: AnyObject {
    func nextMicroBatch() throws -> MicroBatch
    /// Where the source stands after the last micro-batch, for the step's log line (e.g. "epoch: 1 pq: 0 rg: 3").
    var logPosition: String { get }
    /// Fraction of the run done (0→1) for chat_sft's step line, when the source knows it (nil: step / horizon).
    var progressFraction: Double? { get }
    /// Our fields after nanochat's on the step line (" | cut: 3"), or "".
    var logExtra: String { get }
}

extension MicroBatchSource {
    public var progressFraction: Double? { nil }
    public var logExtra: String { "" }
}

extension DataLoader: MicroBatchSource {
    public func nextMicroBatch() throws -> MicroBatch {
        let b = try next()
        return MicroBatch(inputs: b.inputs, targets: b.targets)
    }
    public var logPosition: String {
        let s = state
        return "epoch: \(s.epoch) pq: \(s.pqIdx) rg: \(s.rgIdx)"
    }
}

/// The optimizer settings of one step: every group's lr is its initial lr × `lrMultiplier`.
public struct StepSettings: Equatable, Sendable {
    public var lrMultiplier: Double
    public var muonMomentum: Double
    public var muonWeightDecay: Double
    public init(lrMultiplier: Double, muonMomentum: Double, muonWeightDecay: Double) {
        self.lrMultiplier = lrMultiplier; self.muonMomentum = muonMomentum; self.muonWeightDecay = muonWeightDecay
    }
}

/// A run's schedule. Asked once per step *after* the step's micro-batches were drawn, so a progress-based
/// schedule (chat_sft: fraction of the epoch consumed) can read its batch source.
public protocol TrainSchedule {
    func settings(step: Int) -> StepSettings
}

/// base_train's schedule (scripts/base_train.py: get_lr_multiplier, get_muon_momentum, get_weight_decay): step-based
/// lr and momentum, cosine Muon weight decay from the scaled base value.
public struct PretrainSchedule: TrainSchedule {
    public var schedule: Schedule
    public var weightDecay: Double
    public init(schedule: Schedule, weightDecay: Double) { self.schedule = schedule; self.weightDecay = weightDecay }
    public func settings(step: Int) -> StepSettings {
        StepSettings(lrMultiplier: schedule.lrMultiplier(step), muonMomentum: schedule.muonMomentum(step),
                     muonWeightDecay: schedule.muonWeightDecay(step, base: weightDecay))
    }
}

/// What one step measured.
public struct StepResult {
    /// Loss of the step's last micro-batch that had valid targets (nanochat logs the last micro-batch's loss);
    /// nil when no micro-batch of this rank had any.
    public var loss: Float?
    /// Mean loss over every valid target of the step on this rank (micro-batch means weighted by their counts).
    public var validLoss: Double?
    public var validTargets: Int
    public var settings: StepSettings
    public var dt: Double            // seconds: forward/backward of all micro-batches + all-reduce + optimizer
}

/// One optimization step of nanochat's loops (scripts/base_train.py: the training loop), shared by base_train and
/// chat_sft: zero grad, `gradAccumSteps` micro-batches of forward + backward, the schedule's settings, one optimizer
/// step (the sharded optimizer sums the gradients over ranks itself: reduce-scatter, update, all-gather).
///
/// Loss normalization is nanochat's: each micro-batch's loss is the mean over its valid targets, and the
/// gradient is that mean scaled by 1/(gradAccumSteps · worldSize), so every micro-batch weighs the same
/// whatever its number of valid targets. A micro-batch whose targets are all −1 (possible in SFT) is
/// skipped: it contributes zero gradient (it still counts in the 1/gradAccumSteps, as in nanochat) and is
/// not a non-finite loss. The run stops (throws) only when the loss over valid targets is non-finite —
/// checked per micro-batch before its backward, which is the same as checking the step's valid-target mean.
public final class TrainStep {
    public let model: GPT
    public let optimizer: MuonAdamW
    public let dist: Distributed
    public let B: Int, T: Int
    public let gradAccumSteps: Int
    /// Named in errors: the program ("base_train", "chat_sft") and where the last good checkpoint is.
    public let program: String
    public let checkpointDir: String
    /// Wall time of each step by kind of work (model, optimizer and data laps); dev/bench.sh prints it.
    public let timers = PhaseTimers()

    public init(program: String, model: GPT, optimizer: MuonAdamW, dist: Distributed, B: Int, T: Int,
                gradAccumSteps: Int, checkpointDir: String) {
        self.program = program; self.model = model; self.optimizer = optimizer; self.dist = dist
        self.B = B; self.T = T; self.gradAccumSteps = gradAccumSteps; self.checkpointDir = checkpointDir
        model.timers = timers
        optimizer.timers = timers
    }

    /// Tokens processed per step over all ranks (padding and ignored targets included), for tok/sec and MFU.
    public var tokensPerStep: Int { B * T * gradAccumSteps * dist.worldSize }

    /// Runs step `step`: micro-batches from `source`, settings from `schedule`.
    public func run(step: Int, source: MicroBatchSource, schedule: TrainSchedule) throws -> StepResult {
        let t0 = now()
        timers.beginStep()
        var result = try accumulateGradients(step: step, source: source)
        result.settings = schedule.settings(step: step)
        optimizer.setSchedule(lrMultiplier: result.settings.lrMultiplier, muonMomentum: result.settings.muonMomentum,
                              muonWeightDecay: result.settings.muonWeightDecay)
        optimizer.step(params: model.params, grads: model.grads, dist: dist)
        // the logged loss is the mean over the ranks that had one (every rank joins the reduction)
        var lossSum = [Double(result.loss ?? 0), result.loss == nil ? 0 : 1]
        timers.start()
        lossSum.withUnsafeMutableBufferPointer { dist.allReduceSum($0) }
        timers.lap(.collectives)
        result.loss = lossSum[1] > 0 ? Float(lossSum[0] / lossSum[1]) : nil
        result.dt = now() - t0
        timers.endStep()
        return result
    }

    /// Zeroes the gradients and accumulates this rank's `gradAccumSteps` micro-batches into them (no all-reduce).
    public func accumulateGradients(step: Int, source: MicroBatchSource) throws -> StepResult {
        model.zeroGrad()
        let lossScale = 1 / Float(gradAccumSteps * dist.worldSize)
        var last: Float? = nil
        var sum = 0.0, valid = 0
        for _ in 0..<gradAccumSteps {
            timers.start()
            let batch = try source.nextMicroBatch()
            timers.lap(.data)
            guard batch.inputs.count == B * T, batch.targets.count == B * T else {
                throw NanoChatError("\(program): micro-batch of \(batch.inputs.count) inputs / \(batch.targets.count) targets, expected B·T = \(B)·\(T)")
            }
            var count = 0
            for t in batch.targets where t >= 0 { count += 1 }
            if count == 0 { continue }     // all ignored: zero gradient, nothing to check
            let loss = batch.inputs.withUnsafeBufferPointer { x in
                batch.targets.withUnsafeBufferPointer { y in model.forward(inputs: x, targets: y, B: B, T: T) }
            }
            guard loss.isFinite else {
                throw NanoChatError("\(program): loss became \(loss) at step \(step); stopping without saving (last good checkpoint untouched in \(checkpointDir))")
            }
            model.backward(lossScale: lossScale)
            last = loss
            sum += Double(loss) * Double(count); valid += count
        }
        return StepResult(loss: last, validLoss: valid > 0 ? sum / Double(valid) : nil, validTargets: valid,
                          settings: StepSettings(lrMultiplier: 0, muonMomentum: 0, muonWeightDecay: 0), dt: 0)
    }
}
