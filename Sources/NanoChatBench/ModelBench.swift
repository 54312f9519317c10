import Foundation
import NanoChat

/// `bench model`: forward + backward + zeroGrad of a freshly initialized GPT on random tokens (no data,
/// no optimizer), with the step's breakdown; `--head-chunks 8,32` repeats it at several lm-head chunk
/// budgets (M logits); `--gemms` also times the step's GEMMs alone (same shapes, same order, nothing
/// between them), the bound the step's linear + head time is compared with.
enum ModelBench {
    static func run(_ args: [String]) throws {
        let options = try ModelBenchOptions.parseApplyingThreads(args, ranksOnHost: 1)
        let T = options.maxSeqLen, B = options.deviceBatchSize
        var config = GPTConfig.fromDepth(options.depth, headDim: options.headDim, maxSeqLen: T, windowPattern: options.windowPattern)
        config.vocabSize = options.vocabSize
        let model = try GPT(config: config)
        model.initWeights(seed: 1)
        let peak = PeakFLOPS.estimate(cores: Threads.count)
        print0("MFU denominator: \(peak.description)")
        let budgets = try options.headChunkBudgets()
        for budget in budgets {
            if let b = budget { model.headChunkBudget = b }
            let r = time(model, B: B, T: T, steps: options.steps)
            let gflops = model.estimateFlops() * r.tokPerSec / 1e9
            print0(String(format: "d%d B=%d T=%d%@: %.1f ms/step (cpu %.1f ms), %.0f tok/s, %.1f GFLOP/s, MFU %.1f%%, peak RSS %@",
                          config.nLayer, B, T, budget.map { String(format: ", head chunk %dM logits", $0 >> 20) } ?? "",
                          r.wall * 1000, r.cpu * 1000, r.tokPerSec, gflops, 100 * gflops / peak.gflops, Memory.format(Memory.peakRSS)))
            TrainBench.printBreakdown(r.steps, wall: r.wall)
        }
        if options.gemms {
            let rows = min(B * T, max(16, min(1024, model.headChunkBudget / config.vocabSize)))
            let alone = GemmList(config: config, N: B * T, headRows: rows)
            print0(String(format: "the step's GEMMs alone: linear fwd %.2f ms, linear bwd %.2f ms, head %.2f ms (median of %d)",
                          alone.fwdMs, alone.bwdMs, alone.headMs, 5))
            let flops = 2.0 * Double(rows * config.nEmbd * config.vocabSize)
            for (name, ms) in zip(["logits = x·Wᵀ", "dx = dlogits·W", "dW += dlogitsᵀ·x"], alone.headPartsMs) {
                print0(String(format: "  head GEMM %-18@ one chunk of %d rows: %.2f ms, %.1f GFLOP/s", name as NSString, rows, ms, flops / ms / 1e6))
            }
        }
    }

    /// Median wall and CPU seconds per step, with the timers of every timed step.
    static func time(_ model: GPT, B: Int, T: Int, steps: Int) -> (wall: Double, cpu: Double, tokPerSec: Double, steps: [(phases: [Double], wall: Double)]) {
        var rng = RNG(seed: 7)
        let V = UInt64(model.config.vocabSize)
        let inputs = (0..<(B * T)).map { _ in Int32(rng.next() % V) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.next() % V) }
        let timers = PhaseTimers()
        model.timers = timers
        defer { model.timers = nil }
        func step() {
            timers.beginStep()
            model.zeroGrad()
            inputs.withUnsafeBufferPointer { ib in
                targets.withUnsafeBufferPointer { tb in _ = model.forward(inputs: ib, targets: tb, B: B, T: T) }
            }
            model.backward()
            timers.endStep()
        }
        step()   // warm-up: allocates activations, OpenBLAS buffers
        let c0 = cpuSeconds()
        for _ in 0..<steps { step() }
        let cpu = (cpuSeconds() - c0) / Double(steps)
        let kept = Array(timers.steps.suffix(steps))
        let wall = median(kept.map(\.wall))
        return (wall, cpu, Double(B * T) / wall, kept)
    }
}
