import Foundation

/// One thread's encoder state: a direct-mapped cache of chunks that are not single tokens, and the
/// scratch arrays of the BPE loop. Tokenizer keeps a pool of these so threads never share one.
final class EncodeState {
    static let slotBits = 14
    static let slots = 1 << slotBits
    static let maxKey = 32, maxToks = 16

    let hashes: UnsafeMutablePointer<UInt64>  // full hash of the cached chunk
    let keyLen: UnsafeMutablePointer<UInt8>   // 0 = empty slot
    let nToks: UnsafeMutablePointer<UInt8>
    let keys: UnsafeMutablePointer<UInt8>     // slots × maxKey
    let toks: UnsafeMutablePointer<Int32>     // slots × maxToks
    var tok: UnsafeMutablePointer<Int32>
    var rk: UnsafeMutablePointer<UInt32>
    var cap = 256

    init() {
        let s = Self.slots
        hashes = .allocate(capacity: s)
        keyLen = .allocate(capacity: s); keyLen.initialize(repeating: 0, count: s)
        nToks = .allocate(capacity: s)
        keys = .allocate(capacity: s * Self.maxKey)
        toks = .allocate(capacity: s * Self.maxToks)
        tok = .allocate(capacity: cap)
        rk = .allocate(capacity: cap)
    }

    deinit {
        hashes.deallocate(); keyLen.deallocate(); nToks.deallocate(); keys.deallocate(); toks.deallocate()
        tok.deallocate(); rk.deallocate()
    }

    func reserve(_ n: Int) {
        if n <= cap { return }
        while cap < n { cap *= 2 }
        tok.deallocate(); rk.deallocate()
        tok = .allocate(capacity: cap); rk = .allocate(capacity: cap)
    }
}

extension Tokenizer {
    /// tiktoken's `encode_ordinary` over valid UTF-8 bytes: split, then each chunk is one token if its bytes
    /// are a rank, else byte-pair merged.
    @inline(__always)
    func encodeBytes(_ p: UnsafePointer<UInt8>, _ n: Int, _ st: EncodeState, _ out: inout [Int32]) {
        Pretokenizer.forEachChunk(p, n) { a, b in
            encodeChunk(p + a, b - a, st, &out)
        }
    }

    @inline(__always)
    func encodeChunk(_ p: UnsafePointer<UInt8>, _ n: Int, _ st: EncodeState, _ out: inout [Int32]) {
        let h = hashBytes(p, n)
        let r = vocab.rank(p, n, hash: h)
        if r >= 0 { out.append(r); return }
        let cacheable = n <= EncodeState.maxKey
        let slot = Int(truncatingIfNeeded: h >> UInt64(64 - EncodeState.slotBits))
        if cacheable && st.keyLen[slot] == UInt8(n) && st.hashes[slot] == h
            && memcmp(st.keys + slot * EncodeState.maxKey, p, n) == 0 {
            let t = st.toks + slot * EncodeState.maxToks
            for k in 0..<Int(st.nToks[slot]) { out.append(t[k]) }
            return
        }
        let m = bytePairMerge(p, n, st)
        for k in 0..<m { out.append(st.tok[k]) }
        if cacheable && m <= EncodeState.maxToks {
            st.hashes[slot] = h
            st.keyLen[slot] = UInt8(n)
            st.nToks[slot] = UInt8(m)
            memcpy(st.keys + slot * EncodeState.maxKey, p, n)
            (st.toks + slot * EncodeState.maxToks).update(from: st.tok, count: m)
        }
    }

    /// Repeatedly merges the adjacent pair whose concatenation has the lowest rank (leftmost on ties) —
    /// tiktoken's `_byte_pair_merge`. Leaves the tokens in st.tok[0..<m] and returns m.
    func bytePairMerge(_ p: UnsafePointer<UInt8>, _ n: Int, _ st: EncodeState) -> Int {
        st.reserve(n)
        let tok = st.tok, rk = st.rk, pairs = vocab.pairs
        for k in 0..<n { tok[k] = byteRank[Int(p[k])] }
        var m = n
        // rk[k] = rank of tok[k]+tok[k+1]; "none" (-1) becomes UInt32.max so min-search needs no branch
        for k in 0..<(m - 1) { rk[k] = UInt32(bitPattern: pairs.get(tok[k], tok[k + 1])) }
        while m > 1 {
            var best = UInt32.max, bi = -1
            for k in 0..<(m - 1) where rk[k] < best { best = rk[k]; bi = k }
            if bi < 0 { break }
            tok[bi] = Int32(bitPattern: best)
            // drop part bi+1
            if bi + 2 < m {
                (tok + bi + 1).update(from: tok + bi + 2, count: m - bi - 2)
                (rk + bi + 1).update(from: rk + bi + 2, count: m - bi - 2)
            }
            m -= 1
            if bi > 0 { rk[bi - 1] = UInt32(bitPattern: pairs.get(tok[bi - 1], tok[bi])) }
            if bi < m - 1 { rk[bi] = UInt32(bitPattern: pairs.get(tok[bi], tok[bi + 1])) }
        }
        return m
    }
}
