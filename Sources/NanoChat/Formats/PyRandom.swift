import Foundation

/// CPython's `random.Random`, exactly: MT19937 seeded by `init_by_array` over the 32-bit words of |seed|,
/// `getrandbits`, `_randbelow` (rejection on getrandbits), `shuffle` and `sample` (both code paths).
/// CORE needs it so example order and few-shot picks equal nanochat's (nanochat/core_eval.py).
public struct PyRandom {
    private static let n = 624, m = 397
    private var mt = [UInt32](repeating: 0, count: 624)
    private var mti = 625

    /// `random.Random(seed)` for a Python int that fits in Int (the sign is dropped, as CPython does).
    public init(seed: Int) {
        var a = seed.magnitude
        var key: [UInt32] = []
        while a > 0 { key.append(UInt32(truncatingIfNeeded: a)); a >>= 32 }
        self.init(seedWords: key)
    }

    /// `random.Random(seed)` with |seed| given as little-endian 32-bit words (for seeds beyond 64 bits).
    public init(seedWords: [UInt32]) {
        var key = seedWords
        while key.count > 1 && key.last == 0 { key.removeLast() }
        if key.isEmpty { key = [0] }
        initByArray(key)
    }

    private mutating func initGenrand(_ s: UInt32) {
        mt[0] = s
        for i in 1..<Self.n {
            mt[i] = 1812433253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
        mti = Self.n
    }

    private mutating func initByArray(_ key: [UInt32]) {
        initGenrand(19650218)
        var i = 1, j = 0
        for _ in 0..<max(Self.n, key.count) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1664525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= Self.n { mt[0] = mt[Self.n - 1]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<(Self.n - 1) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1566083941)) &- UInt32(i)
            i += 1
            if i >= Self.n { mt[0] = mt[Self.n - 1]; i = 1 }
        }
        mt[0] = 0x8000_0000
    }

    /// genrand_uint32 of the reference MT19937.
    public mutating func nextUInt32() -> UInt32 {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff
        if mti >= Self.n {
            for k in 0..<Self.n {
                let y = (mt[k] & upper) | (mt[(k + 1) % Self.n] & lower)
                mt[k] = mt[(k + Self.m) % Self.n] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908_b0df : 0)
            }
            mti = 0
        }
        var y = mt[mti]; mti += 1
        y ^= (y >> 11)
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= (y >> 18)
        return y
    }

    /// `getrandbits(k)` for any k ≥ 0 as little-endian 32-bit words (the last word holds the top bits).
    public mutating func getrandbitsWords(_ k: Int) -> [UInt32] {
        precondition(k >= 0)
        if k == 0 { return [0] }
        var words: [UInt32] = []
        var left = k
        while left > 0 {
            var r = nextUInt32()
            if left < 32 { r >>= UInt32(32 - left) }
            words.append(r)
            left -= 32
        }
        return words
    }

    /// `getrandbits(k)` for 0 ≤ k ≤ 64.
    public mutating func getrandbits(_ k: Int) -> UInt64 {
        precondition(k >= 0 && k <= 64)
        if k == 0 { return 0 }
        if k <= 32 { return UInt64(nextUInt32() >> UInt32(32 - k)) }
        let w = getrandbitsWords(k)
        return UInt64(w[0]) | (UInt64(w[1]) << 32)
    }

    /// `_randbelow(n)` = `_randbelow_with_getrandbits`: k = n.bit_length(), redraw getrandbits(k) until < n.
    public mutating func randbelow(_ n: Int) -> Int {
        precondition(n > 0)
        let k = Int.bitWidth - n.leadingZeroBitCount
        var r = getrandbits(k)
        while r >= UInt64(n) { r = getrandbits(k) }
        return Int(r)
    }

    /// `shuffle(x)` in place.
    public mutating func shuffle<T>(_ x: inout [T]) {
        var i = x.count - 1
        while i >= 1 {
            let j = randbelow(i + 1)
            x.swapAt(i, j)
            i -= 1
        }
    }

    /// `sample(population, k)`: the pool method when n ≤ setsize, else set rejection (CPython's choice).
    public mutating func sample<T>(_ population: [T], _ k: Int) -> [T] {
        let n = population.count
        precondition(k >= 0 && k <= n, "sample larger than population or negative")
        var setsize = 21
        if k > 5 {
            // 4 ** ceil(log(3k, 4)) with Python's float log(x)/log(base)
            setsize += Int(pow(4.0, (log(Double(k * 3)) / log(4.0)).rounded(.up)))
        }
        var result: [T] = []
        result.reserveCapacity(k)
        if n <= setsize {
            var pool = population
            for i in 0..<k {
                let j = randbelow(n - i)
                result.append(pool[j])
                pool[j] = pool[n - i - 1]
            }
        } else {
            var selected = Set<Int>()
            for _ in 0..<k {
                var j = randbelow(n)
                while selected.contains(j) { j = randbelow(n) }
                selected.insert(j)
                result.append(population[j])
            }
        }
        return result
    }
}
