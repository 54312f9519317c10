/// `numpy.random.default_rng(seed).permutation(n)`, exactly: SeedSequence(seed) → PCG64 (XSL-RR 128/64)
/// → `shuffle` of `arange(n)` with `random_interval`'s masked rejection draws. nanochat's eval tasks load
/// each dataset with HF `datasets`' `.shuffle(seed=42)`, which is this permutation; so `-x 100` scores the
/// same 100 problems nanochat does (given the rows in HF's order).
public enum NumpyPermutation {
    /// `default_rng(seed).permutation(n)`: element i of the result is the source row shown at position i.
    public static func permutation(_ n: Int, seed: UInt32 = 42) -> [Int] {
        var rng = PCG64(seed: seed)
        var a = Array(0..<n)
        if n < 2 { return a }
        // numpy's `_shuffle_raw`: for i in reversed(range(1, n)): j = random_interval(i); swap(a[i], a[j])
        for i in stride(from: n - 1, through: 1, by: -1) {
            let j = Int(rng.interval(UInt64(i)))
            a.swapAt(i, j)
        }
        return a
    }
}

/// numpy's PCG64 bit generator seeded through a SeedSequence from one integer entropy word.
struct PCG64 {
    private var stateHi: UInt64, stateLo: UInt64
    private let incHi: UInt64, incLo: UInt64
    /// numpy buffers the high half of a 64-bit draw for the next 32-bit draw.
    private var spare: UInt32? = nil

    private static let multHi: UInt64 = 0x2360_ED05_1FC6_5DA4, multLo: UInt64 = 0x4385_DF64_9FCC_F645

    init(seed: UInt32) {
        // PCG64.__init__: SeedSequence(seed).generate_state(4, uint64) → (seed hi, seed lo, inc hi, inc lo)
        let words = SeedSequence(entropy: [seed]).generateState(8)
        let s = (0..<4).map { UInt64(words[2 * $0]) | (UInt64(words[2 * $0 + 1]) << 32) }
        // pcg_setseq_128_srandom_r: state = 0; inc = (initseq << 1) | 1; step; state += initstate; step
        incHi = (s[2] << 1) | (s[3] >> 63)
        incLo = (s[3] << 1) | 1
        stateHi = 0; stateLo = 0
        step()
        let (lo, carry) = stateLo.addingReportingOverflow(s[1])
        stateLo = lo
        stateHi = stateHi &+ s[0] &+ (carry ? 1 : 0)
        step()
    }

    /// state = state · MULT + inc (mod 2^128)
    private mutating func step() {
        let low = stateLo.multipliedFullWidth(by: Self.multLo)
        let hi = low.high &+ stateLo &* Self.multHi &+ stateHi &* Self.multLo
        let (lo, carry) = low.low.addingReportingOverflow(incLo)
        stateLo = lo
        stateHi = hi &+ incHi &+ (carry ? 1 : 0)
    }

    /// pcg64_random_r: advance, then XSL-RR output of the new state.
    mutating func next64() -> UInt64 {
        step()
        let rot = stateHi >> 58
        let x = stateHi ^ stateLo
        return (x >> rot) | (x << ((64 &- rot) & 63))
    }

    mutating func next32() -> UInt32 {
        if let s = spare { spare = nil; return s }
        let v = next64()
        spare = UInt32(truncatingIfNeeded: v >> 32)
        return UInt32(truncatingIfNeeded: v)
    }

    /// numpy's `random_interval(max)`: uniform in [0, max] by masked rejection (32-bit draws when max fits).
    mutating func interval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        if max <= 0xFFFF_FFFF {
            while true { let v = UInt64(next32()) & mask; if v <= max { return v } }
        }
        while true { let v = next64() & mask; if v <= max { return v } }
    }
}

/// numpy's SeedSequence (pool of 4 uint32 words, hashmix) for entropy without a spawn key.
struct SeedSequence {
    private static let initA: UInt32 = 0x43b0_d7e5, multA: UInt32 = 0x931e_8875
    private static let initB: UInt32 = 0x8b51_f9dd, multB: UInt32 = 0x58f3_8ded
    private static let mixMultL: UInt32 = 0xca01_f9dd, mixMultR: UInt32 = 0x4973_f715
    private var pool = [UInt32](repeating: 0, count: 4)

    init(entropy: [UInt32]) {
        var hashConst = Self.initA
        func hashmix(_ v: UInt32) -> UInt32 {
            var value = v ^ hashConst
            hashConst = hashConst &* Self.multA
            value = value &* hashConst
            return value ^ (value >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let r = Self.mixMultL &* x &- Self.mixMultR &* y
            return r ^ (r >> 16)
        }
        for i in 0..<pool.count { pool[i] = hashmix(i < entropy.count ? entropy[i] : 0) }
        for src in 0..<pool.count {
            for dst in 0..<pool.count where src != dst { pool[dst] = mix(pool[dst], hashmix(pool[src])) }
        }
        for src in pool.count..<max(pool.count, entropy.count) {
            for dst in 0..<pool.count { pool[dst] = mix(pool[dst], hashmix(entropy[src])) }
        }
    }

    /// `generate_state(n, uint32)`.
    func generateState(_ n: Int) -> [UInt32] {
        var hashConst = Self.initB
        return (0..<n).map { i in
            var v = pool[i % pool.count] ^ hashConst
            hashConst = hashConst &* Self.multB
            v = v &* hashConst
            return v ^ (v >> 16)
        }
    }
}
