import Foundation
import XCTest
@testable import NanoChat

/// Not part of the normal test run: `NANOCHAT_BENCH=1 swift test -c release --filter ModelBenchmarkTests`
/// times d4 (C256, 2 heads of 128, V=32768, T=512, window L) training steps at B=1 and B=8.
final class ModelBenchmarkTests: XCTestCase {
    func testBenchmarkD4() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["NANOCHAT_BENCH"] != nil else { throw XCTSkip("set NANOCHAT_BENCH=1 to run the model benchmark") }
        let T = Int(env["NANOCHAT_BENCH_T"] ?? "512")!
        let depth = Int(env["NANOCHAT_BENCH_DEPTH"] ?? "4")!
        let cfg = GPTConfig.fromDepth(depth, maxSeqLen: T, windowPattern: env["NANOCHAT_BENCH_PATTERN"] ?? "L")
        let batches = (env["NANOCHAT_BENCH_B"] ?? "1,8").split(separator: ",").map { Int($0)! }
        let steps = Int(env["NANOCHAT_BENCH_STEPS"] ?? "3")!
        if let t = env["NANOCHAT_BENCH_THREADS"], let n = Int(t) { Threads.configure(n) }
        print("threads \(Threads.count), peak sgemm \(String(format: "%.1f", BLAS.measurePeakGFLOPS())) GFLOP/s")
        for B in batches {
            let r = try GPTBenchmark.runDetailed(config: cfg, B: B, T: T, steps: steps)
            print(String(format: "d%d %@ B=%d T=%d: %.1f ms/step (cpu %.1f ms), %.0f tok/s, %.1f GFLOP/s (estimate_flops), peak RSS %.0f MB",
                          depth, cfg.windowPattern, B, T, r.msPerStep, r.cpuMsPerStep, r.tokPerSec, r.gflops, Double(Memory.peakRSS) / 1e6))
        }
    }
}

extension ModelBenchmarkTests {
    /// NANOCHAT_BENCH=1 NANOCHAT_BENCH_CHUNKS=8,32 ...: the same d4 step at several head chunk budgets (M floats).
    func testBenchmarkHeadChunks() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["NANOCHAT_BENCH"] != nil, let list = env["NANOCHAT_BENCH_CHUNKS"] else { throw XCTSkip("set NANOCHAT_BENCH=1 NANOCHAT_BENCH_CHUNKS=…") }
        let cfg = GPTConfig.fromDepth(4, maxSeqLen: 512, windowPattern: "L")
        let B = Int(env["NANOCHAT_BENCH_B"] ?? "8")!
        for mb in list.split(separator: ",").map({ Int($0)! }) {
            headChunkBudget = mb << 20
            let r = try GPTBenchmark.run(config: cfg, B: B, T: 512, steps: 1)
            print(String(format: "d4 B=%d chunk budget %dM (%d rows): %.1f ms/step", B, mb, headChunkRows(V: 32768), r.msPerStep))
        }
        headChunkBudget = 32 << 20
    }
}
