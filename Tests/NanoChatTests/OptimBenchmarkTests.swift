import Foundation
import XCTest
@testable import NanoChat

/// Optimizer step time at d4 (V 32768, C 256). A benchmark, not a test: runs only with NANOCHAT_BENCH=1
/// (dev/bench_optim.sh), so CI time is unaffected.
final class OptimBenchmarkTests: XCTestCase {
    func testBenchD4Step() throws {
        guard ProcessInfo.processInfo.environment["NANOCHAT_BENCH"] == "1" else { throw XCTSkip("set NANOCHAT_BENCH=1") }
        let config = GPTConfig.fromDepth(4)
        let layout = ParameterLayout(config: config)
        let p = FlatBuffer(count: layout.totalCount), g = FlatBuffer(count: layout.totalCount)
        var rng = RNG(seed: 1)
        rng.fillNormal(p.ptr, p.count, std: 0.02)
        rng.fillNormal(g.ptr, g.count, std: 1e-3)
        print("d4: \(commas(layout.numParams)) params, threads \(Threads.count)")
        // context for the noisy numbers: sgemm peak and copy bandwidth right now
        print(String(format: "  sgemm peak now: %.1f GFLOP/s", BLAS.measurePeakGFLOPS(seconds: 0.5)))
        let tc = now()
        for _ in 0..<3 { p.copy(from: g) }
        print(String(format: "  copy bandwidth now: %.1f GB/s (read+write)", 3 * 8 * Double(p.count) / (now() - tc) / 1e9))
        rng.fillNormal(p.ptr, p.count, std: 0.02)
        for mode in [true, false] {
            let opt = MuonAdamW(layout: layout, config: config)
            opt.pooled = mode
            opt.step(params: p, grads: g)   // warm-up (first-touch of the state buffers)
            var times: [Double] = []
            for _ in 0..<5 {
                let t = now()
                opt.step(params: p, grads: g)
                times.append(now() - t)
            }
            print(String(format: "  pooled=%@: step min %.1f ms, median %.1f ms",
                         mode ? "true " : "false", 1000 * times.min()!, 1000 * times.sorted()[2]))
        }
        // AdamW alone
        let adamOnly = MuonAdamW(layout: layout, config: config)
        let adamGroups = adamOnly.groups.enumerated().filter { $0.element.kind == .adamw }.map { $0.offset }
        var t = now()
        for _ in 0..<5 {
            for gi in adamGroups {
                let grp = adamOnly.groups[gi]
                let s = AdamW.Scalars(lr: grp.lr, beta1: grp.betas[0], beta2: grp.betas[1], eps: grp.eps, weightDecay: grp.weightDecay, step: 1)
                for slot in adamOnly.adamSlots[gi] {
                    AdamW.updateParallel(p: p.ptr + slot.entry.offset, g: g.ptr + slot.entry.offset,
                                         m: adamOnly.adamExpAvg.ptr + slot.state, v: adamOnly.adamExpAvgSq.ptr + slot.state,
                                         count: slot.entry.count, s)
                }
            }
        }
        t = (now() - t) / 5
        print(String(format: "  AdamW part alone: %.1f ms per step", 1000 * t))
    }
}
