import Foundation
import NanoChat

/// `bench optim`: the optimizer step alone at a model size, the two schedules (pooled jobs, the default,
/// and group by group) interleaved round by round so load from other processes hits both alike; min and
/// median per schedule, and the AdamW / Muon split from the optimizer's timers.
enum OptimBench {
    static func run(_ args: [String]) throws {
        let options = try OptimBenchOptions.parseApplyingThreads(args, ranksOnHost: 1)
        let config = GPTConfig.fromDepth(options.depth)
        let layout = ParameterLayout(config: config)
        let params = FlatBuffer(count: layout.totalCount), grads = FlatBuffer(count: layout.totalCount)
        var rng = RNG(seed: 1)
        rng.fillNormal(params.ptr, params.count, std: 0.02)
        rng.fillNormal(grads.ptr, grads.count, std: 1e-3)
        let t = now()
        for _ in 0..<3 { params.copy(from: grads) }
        let copyGBs = 3 * 8 * Double(params.count) / (now() - t) / 1e9
        rng.fillNormal(params.ptr, params.count, std: 0.02)
        print0(String(format: "d%d: %@ floats in the flat buffers, %d threads, copy bandwidth now %.1f GB/s (read+write)",
                      config.nLayer, commas(layout.totalCount), Threads.count, copyGBs))

        let pooled = MuonAdamW(layout: layout, config: config)
        let byGroup = MuonAdamW(layout: layout, config: config)
        byGroup.pooled = false
        let pooledTimers = PhaseTimers(), groupTimers = PhaseTimers()
        pooled.timers = pooledTimers; byGroup.timers = groupTimers
        for (optimizer, timers) in [(pooled, pooledTimers), (byGroup, groupTimers)] {   // warm-up
            timers.beginStep(); optimizer.step(params: params, grads: grads); timers.endStep()
        }
        for _ in 0..<options.rounds {
            for (optimizer, timers) in [(pooled, pooledTimers), (byGroup, groupTimers)] {
                timers.beginStep(); optimizer.step(params: params, grads: grads); timers.endStep()
            }
        }
        for (name, timers) in [("pooled jobs (default)", pooledTimers), ("group by group", groupTimers)] {
            let kept = timers.steps.dropFirst()
            let walls = kept.map(\.wall)
            let adam = median(kept.map { $0.phases[PhaseTimers.Phase.adamw.rawValue] })
            let muon = median(kept.map { $0.phases[PhaseTimers.Phase.muon.rawValue] })
            print0(String(format: "  %@ min %6.1f ms, median %6.1f ms (AdamW %.1f ms, Muon %.1f ms)",
                          name.padding(toLength: 22, withPad: " ", startingAt: 0), 1000 * walls.min()!, 1000 * median(walls),
                          1000 * adam, 1000 * muon))
        }
    }
}
