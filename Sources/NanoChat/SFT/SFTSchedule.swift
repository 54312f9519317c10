import Foundation

/// chat_sft's batch source: nanochat's loop prefetches — the next micro-batch is drawn right after each
/// forward/backward, and the end of the epoch (`last_step`) and the lr progress come from the batches drawn
/// so far, the prefetched one included. This keeps that order: `pending` is the prefetched batch.
public final class SFTBatchSource: MicroBatchSource {
    public let loader: SFTLoader
    public private(set) var pending: SFTBatch
    /// nanochat's global `last_step` as this rank sees it (sticky).
    public private(set) var lastStep: Bool
    /// nanochat's `progress = max(progress, approx_progress)`, updated after each prefetch in a step.
    public private(set) var progress: Double

    /// What a checkpoint stores to continue exactly: the loader state before the prefetched batch (it is
    /// drawn again on resume) and the two flags.
    public struct ResumeState: Codable, Equatable {
        public var loader: SFTLoaderState
        public var progress: Double
        public var lastStep: Bool
        enum CodingKeys: String, CodingKey { case loader, progress, lastStep = "last_step" }
    }

    public init(loader: SFTLoader, resume: ResumeState? = nil) throws {
        self.loader = loader
        pending = try loader.next()
        lastStep = (resume?.lastStep ?? false) || pending.lastStep
        progress = resume?.progress ?? 0
    }

    public var resumeState: ResumeState { ResumeState(loader: pending.stateBefore, progress: progress, lastStep: lastStep) }

    public func nextMicroBatch() throws -> MicroBatch {
        let batch = pending
        pending = try loader.next()
        lastStep = lastStep || pending.lastStep
        progress = max(progress, pending.approxProgress)
        return MicroBatch(inputs: batch.inputs, targets: batch.targets)
    }

    public var logPosition: String { "epoch: \(pending.epoch)" }
    public var progressFraction: Double? { progress }
    public var logExtra: String { loader.truncated > 0 ? " | cut: \(loader.truncated)" : "" }
}

/// chat_sft's schedule (nanochat): the lr multiplier follows the epoch's progress (0→1) — warmup to
/// `warmupRatio`, flat, linear warmdown over the last `warmdownRatio` to `finalLrFrac`; Muon momentum ramps
/// 0.85→0.95 over 300 steps; the Muon weight decay stays what the optimizer was loaded with (nanochat does
/// not schedule it in SFT: 0 fresh, the base run's last value when warm-started).
public struct SFTSchedule: TrainSchedule {
    public let source: SFTBatchSource
    public var warmupRatio: Double, warmdownRatio: Double, finalLrFrac: Double
    public var muonWeightDecay: Double

    public func settings(step: Int) -> StepSettings {
        StepSettings(lrMultiplier: Self.lrMultiplier(progress: source.progress, warmupRatio: warmupRatio,
                                                     warmdownRatio: warmdownRatio, finalLrFrac: finalLrFrac),
                     muonMomentum: Self.muonMomentum(step), muonWeightDecay: muonWeightDecay)
    }

    public static func lrMultiplier(progress p: Double, warmupRatio: Double, warmdownRatio: Double, finalLrFrac: Double) -> Double {
        if p < warmupRatio { return (p + 1e-8) / warmupRatio }
        if p <= 1.0 - warmdownRatio { return 1.0 }
        let decay = (p - (1.0 - warmdownRatio)) / warmdownRatio
        return (1 - decay) * 1.0 + decay * finalLrFrac
    }

    public static func muonMomentum(_ step: Int) -> Double {
        let frac = min(Double(step) / 300, 1)
        return (1 - frac) * 0.85 + frac * 0.95
    }
}
