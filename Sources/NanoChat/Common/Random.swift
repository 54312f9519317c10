import Foundation

/// Our seeded generator (xoshiro256**, seeded by SplitMix64): weight init, sampling, generated data.
/// Deterministic across platforms; bit-equality with torch's RNG is not a goal (nanochat/gpt.py: GPT.init_weights).
/// A value type, so its state can be saved in a checkpoint (`state`) for exact resume.
public struct RNG: RandomNumberGenerator, Codable, Sendable, Equatable {
    public var state: [UInt64]

    public init(seed: UInt64) {
        var z = seed
        func splitmix() -> UInt64 {
            z &+= 0x9E3779B97F4A7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58476D1CE4E5B9
            x = (x ^ (x >> 27)) &* 0x94D049BB133111EB
            return x ^ (x >> 31)
        }
        state = [splitmix(), splitmix(), splitmix(), splitmix()]
    }

    @inlinable public mutating func next() -> UInt64 {
        let r = ((state[1] &* 5) << 7 | (state[1] &* 5) >> 57) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]; state[3] ^= state[1]; state[1] ^= state[2]; state[0] ^= state[3]
        state[2] ^= t
        state[3] = (state[3] << 45) | (state[3] >> 19)
        return r
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    @inlinable public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }
    /// Standard normal (Box–Muller).
    @inlinable public mutating func normal() -> Double {
        var u = uniform(); while u <= 0 { u = uniform() }
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * uniform())
    }
    public mutating func fillUniform(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ lo: Double, _ hi: Double) {
        for i in 0..<n { p[i] = Float(uniform(lo, hi)) }
    }
    public mutating func fillNormal(_ p: UnsafeMutablePointer<Float>, _ n: Int, std: Double) {
        for i in 0..<n { p[i] = Float(normal() * std) }
    }
}
