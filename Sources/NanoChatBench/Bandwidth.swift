import CBenchKernels
import Foundation
import NanoChat

/// The read bandwidth a decode step is measured against (MBU's denominator), in bytes/s, and how it was
/// found: the best of `reps` parallel SIMD sums over a buffer far larger than the caches, on all threads,
/// each thread reading its share as 1, 4, 8 or 16 interleaved streams. One sequential stream per core
/// leaves bandwidth unused on many servers (here 18–20 GB/s against 27–32 with 8 streams, 2026-12-03 in
/// dev/LOG.md), and the decode kernels read several weight rows at once, so one stream alone would be a
/// roofline they beat (MBU above 100 %).
public struct ReadBandwidth {
    public let bytesPerSecond: Double
    public let streams: Int   // per thread, in the best run
}

public func measureReadBandwidth(megabytes: Int = 512, reps: Int = 3) -> ReadBandwidth {
    let n = megabytes << 18   // floats
    let buf = UnsafeMutablePointer<Float>.allocate(capacity: n)
    defer { buf.deallocate() }
    Platform.adviseHugePages(buf, byteCount: n * 4)   // as the weights and KV caches are (same TLB cost)
    Threads.parallelFor(n, minChunk: 1 << 20) { r in (buf + r.lowerBound).update(repeating: 1, count: r.count) }
    var best = ReadBandwidth(bytesPerSecond: 0, streams: 1), sink: Float = 0
    for _ in 0..<reps {
        for streams in [1, 4, 8, 16] {
            let parts = Threads.count
            var sums = [Float](repeating: 0, count: parts)
            let t0 = Date()
            sums.withUnsafeMutableBufferPointer { sp in
                let s = sp.baseAddress!
                Threads.parallelFor(parts) { r in
                    for w in r { s[w] = ncb_stream_sum(buf + n * w / parts, n * (w + 1) / parts - n * w / parts, Int32(streams)) }
                }
            }
            let rate = Double(n * 4) / Date().timeIntervalSince(t0)
            if rate > best.bytesPerSecond { best = ReadBandwidth(bytesPerSecond: rate, streams: streams) }
            sink += sums.reduce(0, +)
        }
    }
    if sink == -1 { print(sink) }   // keeps the sums alive
    return best
}
