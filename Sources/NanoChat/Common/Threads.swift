import CKernels
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

    /// Runs body(w) once for each worker w in 0..<workers (at most `count`), each on its own thread, with OpenBLAS
    /// single-threaded meanwhile: each worker runs its own small GEMMs, cheaper than one multi-threaded GEMM at a time.
    public static func eachWorkerWithOwnBLAS(_ workers: Int, _ body: (Int) -> Void) {
        BLAS.setThreads(1)
        parallelFor(workers) { r in for w in r { body(w) } }
        BLAS.setThreads(count)
    }

    /// `parallelFor` on the decode pool's persistent threads (CKernels/pool.c), for the many short loops of a
    /// decode step (10–40 µs each at d4), where waking a GCD worker per loop costs as much as the loop. Runs
    /// through `parallelFor` when the pool is taken (a nested or concurrent caller).
    public static func spinFor(_ n: Int, _ body: (Range<Int>) -> Void) {
        let workers = min(count, n)
        if workers <= 1 { body(0..<n); return }
        let ran = withoutActuallyEscaping(body) { body -> Int32 in
            var loop = SpinLoop(n: n, workers: workers, body: body)
            return withUnsafeMutablePointer(to: &loop) { ctx in
                nc_pool_run(workers, { ctx, w in
                    let loop = ctx!.assumingMemoryBound(to: SpinLoop.self).pointee
                    let lo = loop.n * w / loop.workers, hi = loop.n * (w + 1) / loop.workers
                    if lo < hi { loop.body(lo..<hi) }
                }, ctx)
            }
        }
        if ran == 0 { parallelFor(n, body) }
    }
}

/// What `spinFor`'s C callback needs: the loop's size, width and body.
struct SpinLoop {
    let n: Int
    let workers: Int
    let body: (Range<Int>) -> Void
}
