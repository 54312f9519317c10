import Foundation

/// Inference speed (nanochat's scripts/infer_bench.py, on CPU): prefill and decode throughput of a
/// randomly initialized model, decode time per token against context length with the KV cache and by
/// recomputing the prefix, and the memory bandwidth that decoding at batch 1 is bound by (every weight is
/// read once per token). Not a test: run by `dev/infer_bench.sh` (numbers are noisy on a shared machine).
public enum InferenceBenchmark {
    public struct Throughput {
        public let prefillTokPerSec: Double, decodeTokPerSec: Double, decodeMsPerStep: Double
        /// Bytes of weights read per decode step (matrices + lm_head; embedding rows are negligible).
        public let weightBytes: Double
        public var decodeGBPerSec: Double { weightBytes / (decodeMsPerStep / 1000) / 1e9 }
    }

    public static func model(_ config: GPTConfig) throws -> GPT {
        let m = try GPT(config: config)
        m.initWeights(seed: 1)
        var rng = RNG(seed: 2)   // nanochat zero-inits some projections; random weights exercise everything
        rng.fillNormal(m.params.ptr, m.params.count, std: 0.02)
        return m
    }

    /// Prefill `prompt` tokens in `rows` rows at once, then `steps` decode steps of one token per row.
    public static func throughput(model m: GPT, rows: Int, prompt: Int, steps: Int) throws -> Throughput {
        var rng = RNG(seed: 3)
        let V = UInt64(m.config.vocabSize)
        let tokens = (0..<(rows * prompt)).map { _ in Int32(rng.next() % V) }
        let warm = try m.makeDecodeState(rows: rows, capacity: prompt + 2)   // OpenBLAS buffers, page faults
        _ = try warm.feed(tokens, count: prompt, positions: nil)
        let state = try m.makeDecodeState(rows: rows, capacity: prompt + steps + 1)
        var t0 = now()
        _ = try state.feed(tokens, count: prompt, positions: nil)
        let prefill = now() - t0
        let column = (0..<rows).map { _ in Int32(rng.next() % V) }
        _ = try state.feed(column, count: 1, positions: nil)   // first decode step untimed
        t0 = now()
        for _ in 0..<steps { _ = try state.feed(column, count: 1, positions: nil) }
        let decode = (now() - t0) / Double(steps)
        let c = m.config
        let matrices = c.nLayer * (2 * c.nEmbd * c.nHead * c.headDim + 2 * c.nEmbd * c.nKvHead * c.headDim + 8 * c.nEmbd * c.nEmbd)
        let bytes = Double(4 * (matrices + c.vocabSize * c.nEmbd))
        return Throughput(prefillTokPerSec: Double(rows * prompt) / prefill, decodeTokPerSec: Double(rows) / decode,
                          decodeMsPerStep: decode * 1000, weightBytes: bytes)
    }

    /// Milliseconds for one next-token step at each context length: with the cache (one new position) and
    /// without (the whole prefix again), batch 1.
    public static func decodeVsContext(model m: GPT, contexts: [Int], reps: Int = 3) throws -> [(context: Int, cachedMs: Double, recomputeMs: Double)] {
        var rng = RNG(seed: 4)
        let V = UInt64(m.config.vocabSize)
        let recompute = RecomputeModel(m)
        return try contexts.map { ctx in
            let seq = (0..<ctx).map { _ in Int32(rng.next() % V) }
            let state = try m.makeDecodeState(rows: 1, capacity: ctx + reps + 1)
            _ = try state.feed(Array(seq.dropLast()), count: ctx - 1, positions: nil)
            _ = try state.feed([seq[ctx - 1]], count: 1, positions: nil)
            var t0 = now()
            for _ in 0..<reps { _ = try state.feed([seq[0]], count: 1, positions: nil) }
            let cached = (now() - t0) / Double(reps)
            let slow = try recompute.makeDecodeState(rows: 1, capacity: ctx)
            t0 = now()
            _ = try slow.feed(seq, count: ctx, positions: nil)   // one full forward = one recomputed step
            return (ctx, cached * 1000, (now() - t0) * 1000)
        }
    }

    /// Read bandwidth in GB/s: the best of a few parallel SIMD sums over a buffer far larger than the caches.
    public static func memoryBandwidth(megabytes: Int = 512, reps: Int = 4) -> Double {
        let n = megabytes << 18   // floats
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { buf.deallocate() }
        Threads.parallelFor(n, minChunk: 1 << 20) { r in (buf + r.lowerBound).update(repeating: 1, count: r.count) }
        var best = 0.0, sink: Float = 0
        for _ in 0..<reps {
            let t0 = now()
            let parts = Threads.count
            var sums = [Float](repeating: 0, count: parts)
            sums.withUnsafeMutableBufferPointer { sp in
                let s = sp.baseAddress!
                Threads.parallelFor(parts) { r in
                    for w in r {
                        let lo = n * w / parts, hi = n * (w + 1) / parts
                        var acc = F8(), acc2 = F8(), i = lo
                        while i + 16 <= hi { acc += load8(buf + i); acc2 += load8(buf + i + 8); i += 16 }
                        s[w] = (acc + acc2).sum()
                    }
                }
            }
            best = max(best, Double(n * 4) / (now() - t0) / 1e9)
            sink += sums.reduce(0, +)
        }
        if sink == -1 { print(sink) }   // keeps the sums alive
        return best
    }
}
