import Foundation
import NanoChat

/// `bench train [base_train flags] [--warmup-steps-skipped N]`: a BaseTrainer run exactly as base_train
/// would (same data, tokenizer, model, optimizer, TrainStep), then the median step over the steps after
/// the first `skip`, tokens/s, MFU against PeakFLOPS, peak RSS, and the step's breakdown from the
/// PhaseTimers laps (the median of each phase, so parts need not add up exactly to the median step).
enum TrainBench {
    static func run(_ args: [String]) throws {
        let dist = Distributed.setup()
        let options = try TrainBenchOptions.parse(args)
        let skip = options.skipSteps
        let trainer = try BaseTrainer(options: options.train, dist: dist)
        try trainer.train()
        let step = trainer.loop.trainStep
        let kept = Array(step.timers.steps.dropFirst(skip))
        guard !kept.isEmpty else {
            throw NanoChatError("bench train: --num-iterations=\(trainer.hp.numIterations) leaves no step after --skip-steps=\(skip)")
        }
        let peak = PeakFLOPS.estimate(cores: Threads.count)
        let wall = median(kept.map(\.wall))
        let tokens = Double(step.tokensPerStep)
        let gflops = trainer.flopsPerToken * tokens / wall / 1e9
        let mfu = 100 * gflops / (peak.gflops * Double(dist.worldSize))
        print0("")
        print0("MFU denominator: \(peak.description)\(dist.worldSize > 1 ? " per rank, × \(dist.worldSize) ranks" : "")")
        print0(String(format: "bench: median step %.1f ms over %d steps | %@ tok/s | %.1f GFLOP/s (estimate_flops) | MFU %.1f%% | peak RSS %@",
                      wall * 1000, kept.count, commas(Int(tokens / wall)), gflops, mfu, Memory.format(Memory.peakRSS)))
        printBreakdown(kept, wall: wall)
    }

    static func printBreakdown(_ steps: [(phases: [Double], wall: Double)], wall: Double) {
        print0("step breakdown (rank 0, median ms per phase):")
        var sum = 0.0
        for p in PhaseTimers.Phase.allCases {
            let ms = median(steps.map { $0.phases[p.rawValue] }) * 1000
            sum += ms
            print0(row(p.label, ms, wall))
        }
        let other = wall * 1000 - sum
        print0(row("other (loss checks, schedule, untimed)", other, wall))
        let optimizer = median(steps.map { $0.phases[PhaseTimers.Phase.adamw.rawValue] + $0.phases[PhaseTimers.Phase.muon.rawValue] })
        print0(String(format: "  optimizer total %.1f%% of the step", 100 * optimizer / wall))
    }

    static func row(_ label: String, _ ms: Double, _ wall: Double) -> String {
        "  " + label.padding(toLength: 42, withPad: " ", startingAt: 0) + String(format: " %9.2f ms %6.1f%%", ms, ms / (wall * 1000) * 100)
    }
}
