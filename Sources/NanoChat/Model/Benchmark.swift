import Foundation

/// Times training steps (forward + backward + zeroGrad) of a freshly initialized model on random tokens.
/// Not a test: call it from a scratch executable or a test filter when measuring (numbers are noisy on a
/// shared machine). gflops counts estimateFlops()·tokens per second.
public enum GPTBenchmark {
    public static func run(config: GPTConfig, B: Int, T: Int, steps: Int = 3) throws -> (msPerStep: Double, tokPerSec: Double, gflops: Double) {
        let model = try GPT(config: config)
        model.initWeights(seed: 1)
        var rng = RNG(seed: 7)
        let V = UInt64(config.vocabSize)
        let inputs = (0..<(B * T)).map { _ in Int32(rng.next() % V) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.next() % V) }
        func step() {
            inputs.withUnsafeBufferPointer { ib in
                targets.withUnsafeBufferPointer { tb in
                    _ = model.forward(inputs: ib, targets: tb, B: B, T: T)
                }
            }
            model.backward()
            model.zeroGrad()
        }
        step()   // warm-up: allocates activations, OpenBLAS buffers
        let t0 = now()
        for _ in 0..<steps { step() }
        let dt = (now() - t0) / Double(steps)
        let tps = Double(B * T) / dt
        return (dt * 1000, tps, model.estimateFlops() * tps / 1e9)
    }
}
