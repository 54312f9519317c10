import Foundation
import NanoChat

/// `bench model`: forward + backward + zeroGrad of a freshly initialized GPT on random tokens (no data,
/// no optimizer), with the step's breakdown; `--head-chunks 8,32` repeats it at several lm-head chunk
/// budgets (M logits); `--gemms` also times the step's GEMMs alone (same shapes, same order, nothing
/// between them), the bound the step's linear + head time is compared with.
enum ModelBench {
    static func run(_ args: [String]) throws {
        let flags = Flags(program: "bench model", summary: "Forward+backward of a fresh GPT on random tokens.")
        flags.define("depth", int: 4, "model depth", min: 1, max: 64)
        flags.define("head-dim", int: 128, "attention head dimension", min: 8, max: 1024)
        flags.define("max-seq-len", int: 512, "T", min: 1, max: 1 << 16)
        flags.define("window-pattern", "L", "sliding-window pattern (L, S, SSSL, ...)")
        flags.define("device-batch-size", int: 1, "B", min: 1, max: 4096)
        flags.define("vocab-size", int: 32768, "vocabulary size", min: 16, max: 1 << 22)
        flags.define("steps", int: 5, "timed steps after one warm-up", min: 1, max: 10000)
        flags.define("threads", int: 0, "threads (0 = all cores)", min: 0, max: 4096)
        flags.define("head-chunks", "", "comma-separated lm-head chunk budgets in M logits (default: the library's)")
        flags.define("gemms", bool: false, "also time the step's GEMMs alone")
        try flags.parse(args)
        let threads = try flags.int("threads")
        Threads.configure(threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount)
        let T = try flags.int("max-seq-len"), B = try flags.int("device-batch-size")
        var config = GPTConfig.fromDepth(try flags.int("depth"), headDim: try flags.int("head-dim"), maxSeqLen: T,
                                         windowPattern: flags.string("window-pattern"))
        config.vocabSize = try flags.int("vocab-size")
        let model = try GPT(config: config)
        model.initWeights(seed: 1)
        let peak = PeakFLOPS.estimate(cores: Threads.count)
        print0("MFU denominator: \(peak.description)")
        var budgets: [Int?] = [nil]
        if let list = flags.optionalString("head-chunks") {
            budgets = try list.split(separator: ",").map { s in
                guard let mb = Int(s), mb > 0, mb <= 4096 else { throw NanoChatError("bench model: --head-chunks: '\(s)' is not a size in M logits (1...4096)") }
                return mb << 20
            }
        }
        for budget in budgets {
            if let b = budget { model.headChunkBudget = b }
            let r = time(model, B: B, T: T, steps: try flags.int("steps"))
            let gflops = model.estimateFlops() * r.tokPerSec / 1e9
            print0(String(format: "d%d B=%d T=%d%@: %.1f ms/step (cpu %.1f ms), %.0f tok/s, %.1f GFLOP/s, MFU %.1f%%, peak RSS %@",
                          config.nLayer, B, T, budget.map { String(format: ", head chunk %dM logits", $0 >> 20) } ?? "",
                          r.wall * 1000, r.cpu * 1000, r.tokPerSec, gflops, 100 * gflops / peak.gflops, Memory.format(Memory.peakRSS)))
            TrainBench.printBreakdown(r.steps, wall: r.wall)
        }
        if try flags.bool("gemms") {
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
