// What the Engine decodes with: a model that hands out decoding states. GPT's state is a KV cache plus
// its own scratch buffers (many states share one read-only GPT); `RecomputeModel` wraps any
// LanguageModel and re-runs the whole prefix per token (small test models, and the benchmark's
// no-cache baseline).

/// A model the Engine can decode with.
public protocol InferenceModel: AnyObject {
    var config: GPTConfig { get }
    /// An empty decoding state for `rows` sequences of up to `capacity` tokens each.
    func makeDecodeState(rows: Int, capacity: Int) throws -> DecodeState
}

/// Sequences that grow together by the same number of tokens per call.
public protocol DecodeState: AnyObject {
    var rows: Int { get }
    /// Tokens consumed per row so far.
    var length: Int { get }
    /// Feeds `count` new tokens to every row (`tokens`: [rows, count] row-major) and returns the logits
    /// ([positions.count or rows, V]) at the given new positions (indices into the rows·count new tokens;
    /// nil = each row's last).
    func feed(_ tokens: [Int32], count: Int, positions: [Int]?) throws -> [Float]
    /// `feed`, and each returned row's first argmax (what greedy sampling picks); a GPT finds it in the
    /// head's pass over the logits.
    func feedWithArgmax(_ tokens: [Int32], count: Int, positions: [Int]?) throws -> (logits: [Float], argmax: [Int32])
    /// A state with `rows` copies of this one-row state and room for `capacity` tokens per row.
    func replicated(rows: Int, capacity: Int) throws -> DecodeState
}

extension DecodeState {
    public func feedWithArgmax(_ tokens: [Int32], count: Int, positions: [Int]?) throws -> (logits: [Float], argmax: [Int32]) {
        let logits = try feed(tokens, count: count, positions: positions), n = positions?.count ?? rows
        guard n > 0 else { return (logits, []) }
        let V = logits.count / n
        let argmax = logits.withUnsafeBufferPointer { lb in
            (0..<n).map { r in firstArgmax(UnsafeBufferPointer(rebasing: lb[(r * V)..<((r + 1) * V)])) }
        }
        return (logits, argmax)
    }
}

extension GPT: InferenceModel {
    public func makeDecodeState(rows: Int, capacity: Int) throws -> DecodeState {
        try CachedDecodeState(model: self, cache: KVCache(config: config, rows: rows, capacity: capacity))
    }
}

/// GPT decoding with a KV cache: a prefill of T tokens costs one forward over T positions, each later
/// token one forward over a single position per row.
public final class CachedDecodeState: DecodeState {
    let model: GPT
    public let cache: KVCache
    private var buffers: InferenceBuffers?

    init(model: GPT, cache: KVCache) { self.model = model; self.cache = cache }

    public var rows: Int { cache.rows }
    public var length: Int { cache.length }

    public func feed(_ tokens: [Int32], count: Int, positions: [Int]?) throws -> [Float] {
        try forward(tokens, count: count, positions: positions, argmax: false).logits
    }

    public func feedWithArgmax(_ tokens: [Int32], count: Int, positions: [Int]?) throws -> (logits: [Float], argmax: [Int32]) {
        try forward(tokens, count: count, positions: positions, argmax: true)
    }

    private func forward(_ tokens: [Int32], count: Int, positions: [Int]?, argmax wanted: Bool) throws -> (logits: [Float], argmax: [Int32]) {
        guard count > 0, tokens.count == rows * count else {
            throw NanoChatError("decode: \(tokens.count) tokens is not rows (\(rows)) × count (\(count))")
        }
        let N = rows * count
        if buffers == nil || buffers!.capacity < N {
            buffers = nil   // free the old set first
            buffers = InferenceBuffers(config: model.config, rows: N)
        }
        let outRows = positions?.count ?? rows
        var logits = [Float](repeating: 0, count: outRows * model.config.vocabSize)
        var argmax = [Int32](repeating: 0, count: wanted ? outRows : 0)
        try tokens.withUnsafeBufferPointer { tb in
            try logits.withUnsafeMutableBufferPointer { lb in
                try argmax.withUnsafeMutableBufferPointer { ab in
                    try model.forwardCached(tb.baseAddress!, T: count, cache: cache, buffers: buffers!, logitRows: positions,
                                            logits: lb.baseAddress!, argmax: wanted ? ab.baseAddress! : nil)
                }
            }
        }
        return (logits, argmax)
    }

    /// The copy takes this state's scratch buffers when they hold its rows (this state allocates new ones if it
    /// is fed again): allocating and zeroing them anew made the first decode step after a prefill several times
    /// a step (d4: ~8.6 ms against ~1.5, dev/LOG.md 2026-12-08).
    public func replicated(rows n: Int, capacity: Int) throws -> DecodeState {
        let copy = try CachedDecodeState(model: model, cache: cache.replicated(rows: n, capacity: capacity, config: model.config))
        if let b = buffers, b.capacity >= n { copy.buffers = b; buffers = nil }
        return copy
    }
}

/// Decoding without a cache: every call runs the full prefix of every row again.
public final class RecomputeModel: InferenceModel {
    public let base: LanguageModel
    public init(_ base: LanguageModel) { self.base = base }
    public var config: GPTConfig { base.config }
    public func makeDecodeState(rows: Int, capacity: Int) throws -> DecodeState {
        RecomputeDecodeState(model: base, histories: [[Int32]](repeating: [], count: rows), capacity: capacity)
    }
}

final class RecomputeDecodeState: DecodeState {
    let model: LanguageModel
    var histories: [[Int32]]
    let capacity: Int

    init(model: LanguageModel, histories: [[Int32]], capacity: Int) {
        self.model = model; self.histories = histories; self.capacity = capacity
    }

    var rows: Int { histories.count }
    var length: Int { histories.first?.count ?? 0 }

    func feed(_ tokens: [Int32], count: Int, positions: [Int]?) throws -> [Float] {
        guard count > 0, tokens.count == rows * count else {
            throw NanoChatError("decode: \(tokens.count) tokens is not rows (\(rows)) × count (\(count))")
        }
        guard length + count <= capacity else { throw NanoChatError("decode: \(length + count) tokens exceed the capacity \(capacity)") }
        let start = length
        for r in 0..<rows { histories[r] += tokens[(r * count)..<((r + 1) * count)] }
        let T = length
        guard let positions else { return model.lastLogits(inputs: histories.flatMap { $0 }, B: rows, T: T) }
        var out: [Float] = []
        for p in positions {   // the prefix up to each wanted position, one forward each
            let r = p / count, t = start + p % count + 1
            out += model.lastLogits(inputs: Array(histories[r].prefix(t)), B: 1, T: t)
        }
        return out
    }

    func replicated(rows n: Int, capacity: Int) throws -> DecodeState {
        guard rows == 1 else { throw NanoChatError("decode: only a one-row state can be replicated") }
        return RecomputeDecodeState(model: model, histories: [[Int32]](repeating: histories[0], count: n), capacity: capacity)
    }
}
