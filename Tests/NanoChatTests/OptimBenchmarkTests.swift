import Foundation
import XCTest
@testable import NanoChat

/// Optimizer step time at d4 (V 32768, C 256). A benchmark, not a test: runs only with NANOCHAT_BENCH=1
/// (dev/bench_optim.sh), so CI time is unaffected. The two schedules are interleaved round by round so
/// that load from other processes hits both alike; min and median over the rounds are reported.
final class OptimBenchmarkTests: XCTestCase {
    func testBenchD4Step() throws {
        guard ProcessInfo.processInfo.environment["NANOCHAT_BENCH"] == "1" else { throw XCTSkip("set NANOCHAT_BENCH=1") }
        let rounds = Int(ProcessInfo.processInfo.environment["NANOCHAT_BENCH_ROUNDS"] ?? "") ?? 7
        let config = GPTConfig.fromDepth(4)
        let layout = ParameterLayout(config: config)
        let p = FlatBuffer(count: layout.totalCount), g = FlatBuffer(count: layout.totalCount)
        var rng = RNG(seed: 1)
        print("d4: \(commas(layout.numParams)) params, threads \(Threads.count)")
        // context for the noisy numbers: sgemm peak and copy bandwidth right now
        print(String(format: "  sgemm peak now: %.1f GFLOP/s", BLAS.measurePeakGFLOPS(seconds: 0.5)))
        let tc = now()
        for _ in 0..<3 { p.copy(from: g) }
        print(String(format: "  copy bandwidth now: %.1f GB/s (read+write)", 3 * 8 * Double(p.count) / (now() - tc) / 1e9))
        rng.fillNormal(p.ptr, p.count, std: 0.02)
        rng.fillNormal(g.ptr, g.count, std: 1e-3)

        let pooled = MuonAdamW(layout: layout, config: config)
        let byGroup = MuonAdamW(layout: layout, config: config)
        byGroup.pooled = false
        // Muon only: same optimizer with the AdamW groups' jobs dropped
        let muonOnly = MuonAdamW(layout: layout, config: config)
        let adamJobs = muonOnly.jobs.filter { if case .adamw = $0 { return true } else { return false } }
        for o in [pooled, byGroup] { o.step(params: p, grads: g) }   // warm-up
        var tp: [Double] = [], tg: [Double] = [], ta: [Double] = [], tm: [Double] = []
        for _ in 0..<rounds {
            var t = now(); pooled.step(params: p, grads: g); tp.append(now() - t)
            t = now(); byGroup.step(params: p, grads: g); tg.append(now() - t)
            // AdamW part alone, multi-threaded over slices
            let (adamS, muonS) = muonOnly.stepScalars()
            let ws = muonOnly.makeWorkspace()
            t = now()
            Threads.parallelFor(adamJobs.count) { r in
                for j in r { muonOnly.run(adamJobs[j], adamS, muonS, params: p, grads: .init(full: g.ptr, shard: nil), ws) }
            }
            ta.append(now() - t)
            // Muon part alone: each group's matrices in parallel, single-threaded BLAS
            t = now()
            BLAS.setThreads(1)
            let muonJobs = muonOnly.jobs.filter { if case .muon = $0 { return true } else { return false } }
            Threads.parallelFor(muonJobs.count) { r in
                let w = muonOnly.makeWorkspace()
                for j in r { muonOnly.run(muonJobs[j], adamS, muonS, params: p, grads: .init(full: g.ptr, shard: nil), w) }
            }
            BLAS.setThreads(Threads.count)
            tm.append(now() - t)
        }
        func fmt(_ name: String, _ v: [Double]) -> String {
            String(format: "  %@ min %6.1f ms, median %6.1f ms", name, 1000 * v.min()!, 1000 * v.sorted()[v.count / 2])
        }
        print(fmt("step, pooled jobs (default):", tp))
        print(fmt("step, group by group:       ", tg))
        print(fmt("AdamW part alone:           ", ta))
        print(fmt("Muon part alone:            ", tm))
    }
}
