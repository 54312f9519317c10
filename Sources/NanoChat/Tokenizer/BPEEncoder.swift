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
    // long chunks: linked list of parts by byte position + a min-heap of (rank << 32 | position)
    var next: UnsafeMutablePointer<Int32>
    var prev: UnsafeMutablePointer<Int32>
    var heap: UnsafeMutablePointer<UInt64>

    init() {
        let s = Self.slots
        hashes = .allocate(capacity: s)
        keyLen = .allocate(capacity: s); keyLen.initialize(repeating: 0, count: s)
        nToks = .allocate(capacity: s)
        keys = .allocate(capacity: s * Self.maxKey)
        toks = .allocate(capacity: s * Self.maxToks)
        tok = .allocate(capacity: cap)
        rk = .allocate(capacity: cap)
        next = .allocate(capacity: cap); prev = .allocate(capacity: cap); heap = .allocate(capacity: 3 * cap)
    }

    deinit {
        hashes.deallocate(); keyLen.deallocate(); nToks.deallocate(); keys.deallocate(); toks.deallocate()
        tok.deallocate(); rk.deallocate(); next.deallocate(); prev.deallocate(); heap.deallocate()
    }

    func reserve(_ n: Int) {
        if n <= cap { return }
        while cap < n { cap *= 2 }
        tok.deallocate(); rk.deallocate(); next.deallocate(); prev.deallocate(); heap.deallocate()
        tok = .allocate(capacity: cap); rk = .allocate(capacity: cap)
        next = .allocate(capacity: cap); prev = .allocate(capacity: cap); heap = .allocate(capacity: 3 * cap)
    }
}

extension Tokenizer {
    /// tiktoken's `encode_ordinary` over valid UTF-8 bytes: split, then each chunk is one token if its bytes
    /// are a rank, else byte-pair merged.
    @inline(__always)
    func encodeBytes(_ p: UnsafePointer<UInt8>, _ n: Int, _ st: EncodeState, _ out: inout [Int32]) {
        Pretokenizer.forEachChunk(p, n, pattern: split) { a, b in
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
    /// Short chunks scan for the minimum (quadratic, but tiny and cache-friendly); long ones use a heap.
    @inline(__always)
    func bytePairMerge(_ p: UnsafePointer<UInt8>, _ n: Int, _ st: EncodeState) -> Int {
        n <= 96 ? bytePairMergeScan(p, n, st) : bytePairMergeHeap(p, n, st)
    }

    func bytePairMergeScan(_ p: UnsafePointer<UInt8>, _ n: Int, _ st: EncodeState) -> Int {
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

    /// Same result as the scan in O(n log n): parts are a linked list over byte positions (a part is named by
    /// its first byte); the heap holds (rank << 32 | position), so the minimum is the lowest rank, then the
    /// leftmost part. Entries go stale when a part changes; a popped entry counts only if its pair still has
    /// that rank.
    func bytePairMergeHeap(_ p: UnsafePointer<UInt8>, _ n: Int, _ st: EncodeState) -> Int {
        st.reserve(n)
        let tok = st.tok, next = st.next, prev = st.prev, heap = st.heap, pairs = vocab.pairs
        var hn = 0
        @inline(__always) func push(_ x: UInt64) {
            var i = hn; hn += 1
            while i > 0 {
                let parent = (i - 1) >> 1
                if heap[parent] <= x { break }
                heap[i] = heap[parent]; i = parent
            }
            heap[i] = x
        }
        @inline(__always) func pop() -> UInt64 {
            let top = heap[0]
            hn -= 1
            let x = heap[hn]
            var i = 0
            while true {
                var c = 2 * i + 1
                if c >= hn { break }
                if c + 1 < hn && heap[c + 1] < heap[c] { c += 1 }
                if heap[c] >= x { break }
                heap[i] = heap[c]; i = c
            }
            heap[i] = x
            return top
        }
        for k in 0..<n {
            tok[k] = byteRank[Int(p[k])]
            next[k] = Int32(k + 1); prev[k] = Int32(k - 1)
        }
        for k in 0..<(n - 1) {
            let r = pairs.get(tok[k], tok[k + 1])
            if r >= 0 { push(UInt64(r) << 32 | UInt64(k)) }
        }
        while hn > 0 {
            let e = pop()
            let r = Int32(truncatingIfNeeded: e >> 32), pos = Int(truncatingIfNeeded: e & 0xFFFF_FFFF)
            if tok[pos] < 0 { continue }  // part was absorbed into its left neighbour
            let nx = Int(next[pos])
            if nx >= n || pairs.get(tok[pos], tok[nx]) != r { continue }
            tok[pos] = r
            tok[nx] = -1
            let nn = Int(next[nx])
            next[pos] = Int32(nn)
            if nn < n { prev[nn] = Int32(pos) }
            let pv = Int(prev[pos])
            if pv >= 0 {
                let r2 = pairs.get(tok[pv], r)
                if r2 >= 0 { push(UInt64(r2) << 32 | UInt64(pv)) }
            }
            if nn < n {
                let r3 = pairs.get(r, tok[nn])
                if r3 >= 0 { push(UInt64(r3) << 32 | UInt64(pos)) }
            }
        }
        // compact the surviving parts to the front
        var m = 0, k = 0
        while k < n { tok[m] = tok[k]; m += 1; k = Int(next[k]) }
        return m
    }
}
