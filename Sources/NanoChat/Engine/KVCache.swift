// nanochat's KVCache: keys and values of every layer for `rows` sequences, plus the pre-smear embedding
// of each row's last token (smear mixes it into the next token). Each row has its own length (nanochat's
// cache_seqlens), so rows can be at different positions: a server's slots decode together while
// requests come and go.

/// k, v: [L, rows, capacity, Hkv, D]; prev: [rows, C]. Row r holds `lengths[r]` positions.
public final class KVCache {
    public let rows: Int, capacity: Int
    public let layers: Int, kvHeads: Int, headDim: Int, width: Int
    public internal(set) var lengths: [Int]
    /// The length of every row when they advance together (the longest row otherwise).
    public var length: Int { lengths.max() ?? 0 }
    let k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    let prev: UnsafeMutablePointer<Float>

    /// Floats per (layer, row): one row's keys (or values) for all `capacity` positions.
    var rowStride: Int { capacity * kvHeads * headDim }

    public init(config c: GPTConfig, rows: Int, capacity: Int) throws {
        guard rows > 0, capacity > 0 else { throw NanoChatError("KV cache: rows (\(rows)) and capacity (\(capacity)) must be positive") }
        // the rotary table covers 10·sequence_len positions (nanochat asserts the same)
        guard capacity <= c.rotaryLimit else {
            throw NanoChatError("KV cache: \(capacity) positions exceed the model's limit of 10·sequence_len = \(c.rotaryLimit)")
        }
        self.rows = rows; self.capacity = capacity
        lengths = [Int](repeating: 0, count: rows)
        layers = c.nLayer; kvHeads = c.nKvHead; headDim = c.headDim; width = c.nEmbd
        let n = layers * rows * capacity * kvHeads * headDim
        k = .allocate(capacity: n); v = .allocate(capacity: n)
        prev = .allocate(capacity: rows * width)
        prev.initialize(repeating: 0, count: rows * width)
    }

    deinit { k.deallocate(); v.deallocate(); prev.deallocate() }

    /// Layer l, row r, position 0 (keys); the same offset indexes `v`.
    @inline(__always) func offset(layer l: Int, row r: Int) -> Int { (l * rows + r) * rowStride }

    /// A copy of this one-row cache in every row of a new cache with room for `capacity` positions
    /// (nanochat's KVCache.prefill: batch-1 prefill, then one row per sample).
    public func replicated(rows n: Int, capacity cap: Int, config: GPTConfig) throws -> KVCache {
        guard rows == 1 else { throw NanoChatError("KV cache: only a one-row cache can be replicated (this one has \(rows))") }
        guard cap >= length else { throw NanoChatError("KV cache: capacity \(cap) is less than the \(length) cached positions") }
        let out = try KVCache(config: config, rows: n, capacity: cap)
        let count = length * kvHeads * headDim
        for l in 0..<layers {
            let src = offset(layer: l, row: 0)
            for r in 0..<n {
                let dst = out.offset(layer: l, row: r)
                (out.k + dst).update(from: k + src, count: count)
                (out.v + dst).update(from: v + src, count: count)
            }
        }
        for r in 0..<n { (out.prev + r * width).update(from: prev, count: width) }
        out.lengths = [Int](repeating: length, count: n)
        return out
    }

    /// Forget everything (the buffers are reused).
    public func reset() { for r in 0..<rows { reset(row: r) } }

    /// Forget row r (a finished request's slot, free for the next one).
    public func reset(row r: Int) {
        lengths[r] = 0
        (prev + r * width).update(repeating: 0, count: width)
    }
}
