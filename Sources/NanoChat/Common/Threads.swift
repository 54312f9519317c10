import Foundation

/// The one place that decides how many threads run: `--threads` (default all cores) sets both the
/// parallel-for width for our own loops and OpenBLAS's thread count.
public enum Threads {
    nonisolated(unsafe) public private(set) static var count: Int = ProcessInfo.processInfo.activeProcessorCount

    public static func configure(_ n: Int) {
        count = max(1, n)
        BLAS.setThreads(count)
    }

    /// Runs body(i) for i in 0..<n split into `count` contiguous chunks; body gets a half-open range.
    /// Falls back to a plain loop for one thread or tiny n (no dispatch overhead).
    @inlinable
    public static func parallelFor(_ n: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = min(count, max(1, n / max(1, minChunk)))
        if workers <= 1 || n <= 1 { body(0..<n); return }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = n * w / workers, hi = n * (w + 1) / workers
                if lo < hi { body(lo..<hi) }
            }
        }
    }
}
