import Foundation

/// Python's `round(x)` for floats: nearest integer, ties to even.
public func pythonRound(_ x: Double) -> Int { Int(x.rounded(.toNearestOrEven)) }

/// base_train's schedules (scripts/base_train.py at HEAD: get_lr_multiplier, get_muon_momentum, get_weight_decay),
/// all in float64 like the Python script; `it` is the 0-based step.
public struct Schedule: Sendable, Equatable {
    public var numIterations: Int
    public var warmupSteps: Int
    public var warmdownRatio: Double
    public var finalLrFrac: Double

    public init(numIterations: Int, warmupSteps: Int = 40, warmdownRatio: Double = 0.65, finalLrFrac: Double = 0.05) {
        self.numIterations = numIterations; self.warmupSteps = warmupSteps
        self.warmdownRatio = warmdownRatio; self.finalLrFrac = finalLrFrac
    }

    /// round(warmdown_ratio · N), half to even.
    public var warmdownIters: Int { pythonRound(warmdownRatio * Double(numIterations)) }

    /// Linear warmup over `warmupSteps`, flat, then linear warmdown to `finalLrFrac`.
    public func lrMultiplier(_ it: Int) -> Double {
        let N = numIterations, wd = warmdownIters
        if it < warmupSteps { return Double(it + 1) / Double(warmupSteps) }
        if it <= N - wd { return 1.0 }
        let p = Double(N - it) / Double(wd)
        return p * 1.0 + (1 - p) * finalLrFrac
    }

    /// 0.85 → 0.97 over the first 400 steps, 0.97, then down to 0.90 over the warmdown
    /// (the warmup branch wins for runs shorter than 400 steps).
    public func muonMomentum(_ it: Int) -> Double {
        let N = numIterations, wd = warmdownIters
        if it < 400 {
            let f = Double(it) / 400
            return (1 - f) * 0.85 + f * 0.97
        }
        if wd > 0 && it >= N - wd {
            let p = Double(it - (N - wd)) / Double(wd)
            return 0.97 * (1 - p) + 0.90 * p
        }
        return 0.97
    }

    /// Cosine decay of the Muon weight decay from `base` to 0 over the run.
    public func muonWeightDecay(_ it: Int, base: Double) -> Double {
        base * 0.5 * (1 + cos(Double.pi * Double(it) / Double(numIterations)))
    }
}
