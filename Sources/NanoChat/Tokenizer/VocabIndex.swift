import Foundation

/// The mergeable ranks in flat memory, with the two lookups the encoder needs:
/// `rank(bytes)` (is this chunk one token?) and `pairRank(a, b)` (the rank of bytes(a)+bytes(b), if a token).
/// Every part the BPE loop holds is a token, so the rank of a concatenation of two parts is exactly the
/// pair table entry: tiktoken's rule without hashing byte strings in the loop.
final class VocabIndex: @unchecked Sendable {
    let count: Int
    /// bytes of rank r are data[offsets[r]..<offsets[r+1]]
    let data: UnsafeMutablePointer<UInt8>
    let offsets: UnsafeMutablePointer<Int32>
    private let slots: UnsafeMutablePointer<Int32>  // open addressing over byte strings: rank or -1
    private let slotMask: Int
    let pairs: PairTable

    /// ranks[r] = bytes of rank r; byte strings must be unique (checked by the caller).
    init(_ ranks: [[UInt8]]) {
        count = ranks.count
        let total = ranks.reduce(0) { $0 + $1.count }
        data = .allocate(capacity: max(1, total))
        offsets = .allocate(capacity: count + 1)
        var o = 0
        for (r, b) in ranks.enumerated() {
            offsets[r] = Int32(o)
            for x in b { data[o] = x; o += 1 }
        }
        offsets[count] = Int32(o)
        var cap = 16
        while cap < count * 2 { cap <<= 1 }
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: -1, count: cap)
        slotMask = cap - 1
        pairs = PairTable(capacity: count * 8)
        for r in 0..<count { insert(Int32(r)) }
        // every split of every token into two tokens
        for r in 0..<count {
            let s = Int(offsets[r]), n = Int(offsets[r + 1]) - s
            if n < 2 { continue }
            for k in 1..<n {
                let a = rank(data + s, k), b = rank(data + s + k, n - k)
                if a >= 0 && b >= 0 { pairs.set(a, b, Int32(r)) }
            }
        }
    }

    deinit {
        data.deallocate(); offsets.deallocate(); slots.deallocate()
    }

    @inline(__always) func length(_ r: Int32) -> Int { Int(offsets[Int(r) + 1] - offsets[Int(r)]) }

    private func insert(_ r: Int32) {
        let s = Int(offsets[Int(r)]), n = Int(offsets[Int(r) + 1]) - s
        var h = Int(truncatingIfNeeded: hashBytes(data + s, n)) & slotMask
        while slots[h] >= 0 { h = (h + 1) & slotMask }
        slots[h] = r
    }

    /// Rank of the byte string p[0..<n], or -1.
    @inline(__always) func rank(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        rank(p, n, hash: hashBytes(p, n))
    }

    @inline(__always) func rank(_ p: UnsafePointer<UInt8>, _ n: Int, hash: UInt64) -> Int32 {
        var h = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let r = slots[h]
            if r < 0 { return -1 }
            let s = Int(offsets[Int(r)])
            if Int(offsets[Int(r) + 1]) - s == n && memcmp(data + s, p, n) == 0 { return r }
            h = (h + 1) & slotMask
        }
    }
}

/// (a, b) → Int32, open addressing on a 64-bit key; only inserts (the vocabulary is fixed).
final class PairTable: @unchecked Sendable {
    private var keys: UnsafeMutablePointer<UInt64>
    private var vals: UnsafeMutablePointer<Int32>
    private var mask: Int
    private var used = 0
    private static let empty = UInt64.max

    init(capacity: Int) {
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        keys = .allocate(capacity: cap); keys.initialize(repeating: Self.empty, count: cap)
        vals = .allocate(capacity: cap)
        mask = cap - 1
    }
    deinit { keys.deallocate(); vals.deallocate() }

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }
    @inline(__always) static func slot(_ k: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> 29) & mask }

    func set(_ a: Int32, _ b: Int32, _ v: Int32) {
        if (used + 1) * 2 > mask + 1 { grow() }
        let k = Self.key(a, b)
        var h = Self.slot(k, mask)
        while keys[h] != Self.empty && keys[h] != k { h = (h + 1) & mask }
        if keys[h] == Self.empty { used += 1 }
        keys[h] = k; vals[h] = v
    }

    /// The value for (a, b); if absent, stores `value` first. Returns the value and whether it was inserted.
    @inline(__always) func findOrAdd(_ a: Int32, _ b: Int32, _ value: Int32) -> (Int32, Bool) {
        let k = Self.key(a, b)
        var h = Self.slot(k, mask)
        while true {
            let x = keys[h]
            if x == k { return (vals[h], false) }
            if x == Self.empty { break }
            h = (h + 1) & mask
        }
        if (used + 1) * 2 > mask + 1 { set(a, b, value); return (value, true) }
        keys[h] = k; vals[h] = value; used += 1
        return (value, true)
    }

    /// Value for (a, b), or -1.
    @inline(__always) func get(_ a: Int32, _ b: Int32) -> Int32 {
        let k = Self.key(a, b)
        var h = Self.slot(k, mask)
        while true {
            let x = keys[h]
            if x == k { return vals[h] }
            if x == Self.empty { return -1 }
            h = (h + 1) & mask
        }
    }

    private func grow() {
        let oldKeys = keys, oldVals = vals, oldCap = mask + 1
        let cap = oldCap * 2
        keys = .allocate(capacity: cap); keys.initialize(repeating: Self.empty, count: cap)
        vals = .allocate(capacity: cap)
        mask = cap - 1
        for i in 0..<oldCap where oldKeys[i] != Self.empty {
            var h = Self.slot(oldKeys[i], mask)
            while keys[h] != Self.empty { h = (h + 1) & mask }
            keys[h] = oldKeys[i]; vals[h] = oldVals[i]
        }
        oldKeys.deallocate(); oldVals.deallocate()
    }
}

/// A fast 64-bit hash of a short byte string (8 bytes per step, then a finalizer).
@inline(__always)
func hashBytes(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= n {
        h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 32
        i += 8
    }
    if i < n {
        var w: UInt64 = 0, k = 0
        while i + k < n { w |= UInt64(p[i + k]) << (8 * UInt64(k)); k += 1 }
        h = (h ^ w) &* 0xC4CE_B9FE_1A85_EC53
    }
    h ^= h >> 33; h = h &* 0xFF51_AFD7_ED55_8CCD; h ^= h >> 33
    return h
}
