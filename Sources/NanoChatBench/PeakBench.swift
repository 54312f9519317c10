import Foundation
import NanoChat

/// `bench peak [--threads N] [--rounds R]`: PeakFLOPS (the MFU denominator) next to the best of R rounds
/// of large sgemm probes, so the denominator can be checked against what OpenBLAS reaches.
enum PeakBench {
    static func run(_ args: [String]) throws {
        let options = try PeakBenchOptions.parseApplyingThreads(args, ranksOnHost: 1)
        let peak = PeakFLOPS.estimate(cores: Threads.count)
        print0("CPU: \(Platform.cpuModel ?? "unknown")")
        print0("MFU denominator: \(peak.description)")
        print0(BLASKernel.description)
        let best = bestSgemmGFLOPS(rounds: options.rounds)
        print0(String(format: "best sgemm probe: %.1f GFLOP/s at %d threads = %.1f%% of the denominator", best, Threads.count, 100 * best / peak.gflops))
    }

    /// Best GFLOP/s over `rounds` rounds of three large shapes (square 2048³, a wide lm_head-like
    /// 4096×8192×256 and its transposed-weight form), each round ~0.3 s: long enough to reach the
    /// steady rate, several so one slow moment on a shared box does not set the figure.
    static func bestSgemmGFLOPS(rounds: Int) -> Double {
        let shapes = [(M: 2048, N: 2048, K: 2048), (M: 4096, N: 8192, K: 256), (M: 4096, N: 256, K: 8192)]
        var best = 0.0
        for s in shapes {
            let a = UnsafeMutablePointer<Float>.allocate(capacity: s.M * s.K); defer { a.deallocate() }
            let b = UnsafeMutablePointer<Float>.allocate(capacity: s.N * s.K); defer { b.deallocate() }
            let c = UnsafeMutablePointer<Float>.allocate(capacity: s.M * s.N); defer { c.deallocate() }
            for i in 0..<(s.M * s.K) { a[i] = Float(i % 7) * 0.01 }
            for i in 0..<(s.N * s.K) { b[i] = Float(i % 5) * 0.01 }
            BLAS.matmulNT(c, a, b, M: s.M, N: s.N, K: s.K)   // warm-up (OpenBLAS's first-call buffers)
            let flops = 2 * Double(s.M * s.N * s.K)
            for _ in 0..<rounds {
                let t0 = now()
                var reps = 0
                while now() - t0 < 0.1 { BLAS.matmulNT(c, a, b, M: s.M, N: s.N, K: s.K); reps += 1 }
                best = max(best, flops * Double(reps) / (now() - t0) / 1e9)
            }
        }
        return best
    }
}
