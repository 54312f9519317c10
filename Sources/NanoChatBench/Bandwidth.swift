import Foundation
import NanoChat

/// Read bandwidth in bytes/s: the best of a few parallel SIMD sums over a buffer far larger than the
/// caches, on all threads (the roofline a decode step's weight and KV reads are measured against).
public func measureReadBandwidth(megabytes: Int = 512, reps: Int = 4) -> Double {
    let n = megabytes << 18   // floats
    let buf = UnsafeMutablePointer<Float>.allocate(capacity: n)
    defer { buf.deallocate() }
    Threads.parallelFor(n, minChunk: 1 << 20) { r in (buf + r.lowerBound).update(repeating: 1, count: r.count) }
    var best = 0.0, sink: Float = 0
    for _ in 0..<reps {
        let parts = Threads.count
        var sums = [Float](repeating: 0, count: parts)
        let t0 = Date()
        sums.withUnsafeMutableBufferPointer { sp in
            let s = sp.baseAddress!
            Threads.parallelFor(parts) { r in
                for w in r {
                    let lo = n * w / parts, hi = n * (w + 1) / parts
                    var acc = SIMD16<Float>(), acc2 = SIMD16<Float>(), i = lo
                    while i + 32 <= hi {
                        acc += UnsafeRawPointer(buf + i).loadUnaligned(as: SIMD16<Float>.self)
                        acc2 += UnsafeRawPointer(buf + i + 16).loadUnaligned(as: SIMD16<Float>.self)
                        i += 32
                    }
                    s[w] = (acc + acc2).sum()
                }
            }
        }
        best = max(best, Double(n * 4) / Date().timeIntervalSince(t0))
        sink += sums.reduce(0, +)
    }
    if sink == -1 { print(sink) }   // keeps the sums alive
    return best
}
