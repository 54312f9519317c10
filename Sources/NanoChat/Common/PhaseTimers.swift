import Foundation

/// Wall time of one training step split by kind of work, from laps taken inside the step (one clock read
/// per lap, a few hundred per step: microseconds against a step of hundreds of milliseconds). Whoever
/// wants a breakdown hands one instance to the model, the optimizer and the step (TrainStep does); with
/// none set nothing is timed. `endStep` files the current step and starts the next.
public final class PhaseTimers {
    public enum Phase: Int, CaseIterable {
        case data, zeroGrad
        case fwdLinear, fwdAttention, fwdElementwise, fwdHead
        case bwdLinear, bwdAttention, bwdElementwise, bwdHead
        case collectives, adamw, muon

        public var label: String {
            switch self {
            case .data: return "data wait (next micro-batch)"
            case .zeroGrad: return "zero grad"
            case .fwdLinear: return "fwd linear"
            case .fwdAttention: return "fwd attention"
            case .fwdElementwise: return "fwd norms/rotary/elementwise"
            case .fwdHead: return "head + loss, fwd and its fused bwd"
            case .bwdLinear: return "bwd linear"
            case .bwdAttention: return "bwd attention"
            case .bwdElementwise: return "bwd norms/rotary/elementwise/embeddings"
            case .bwdHead: return "bwd head (dW accumulate, dx scale)"
            case .collectives: return "gradient collectives"
            case .adamw: return "optimizer AdamW"
            case .muon: return "optimizer Muon"
            }
        }
    }

    var current = [Double](repeating: 0, count: Phase.allCases.count)
    var mark = 0.0
    /// Seconds per phase of every finished step, and the step's total wall time.
    public private(set) var steps: [(phases: [Double], wall: Double)] = []
    var stepStart = 0.0

    public init() {}

    /// Starts a step's clock.
    public func beginStep() { stepStart = now(); mark = stepStart }
    /// Starts the lap clock (at the top of a timed region).
    @inline(__always) public func start() { mark = now() }
    /// Charges the time since the last lap (or start) to `phase`.
    @inline(__always) public func lap(_ phase: Phase) {
        let t = now()
        current[phase.rawValue] += t - mark
        mark = t
    }
    /// Adds seconds measured elsewhere (e.g. the optimizer's split of a pooled region) to `phase`.
    public func add(_ phase: Phase, _ seconds: Double) { current[phase.rawValue] += seconds }

    public func endStep() {
        if steps.count >= 10_000 { steps.removeFirst(5_000) }   // a long run keeps its recent steps only
        steps.append((current, now() - stepStart))
        current = [Double](repeating: 0, count: Phase.allCases.count)
    }
}
