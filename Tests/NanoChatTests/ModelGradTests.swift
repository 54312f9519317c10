import Foundation
import XCTest
@testable import NanoChat

/// Finite-difference check of the whole model's backward on tiny configs that exercise every feature:
/// GQA (4 query heads, 2 kv heads), S and L sliding windows with T beyond the window (and, for L=4,
/// T > sequence_len so "L" layers slide too), value embeddings on odd and even depth, smear, backout,
/// softcap, padded vocab and ignored targets.
final class ModelGradTests: XCTestCase {
    static func tinyModel(layers: Int, seqLen: Int, seed: UInt64) throws -> GPT {
        let cfg = GPTConfig(sequenceLen: seqLen, vocabSize: 50, nLayer: layers, nHead: 4, nKvHead: 2, nEmbd: 32,
                            windowPattern: "SSL")
        let m = try GPT(config: cfg)
        m.initWeights(seed: seed)
        // perturb so zero-initialized projections, gates and smear carry signal
        var rng = RNG(seed: seed + 100)
        for e in m.layout.entries {
            let p = m.params.view(e)
            let std: Double
            switch e.name {
            case "lm_head.weight": std = 1.0
            case "transformer.wte.weight": std = 0
            case let n where n.hasPrefix("value_embeds"): std = 0
            case let n where n.contains("c_proj") || n.contains("ve_gate") || n.contains("smear_gate"): std = 0.1
            default: std = 0.02
            }
            for i in 0..<e.count { p[i] += Float(rng.normal() * std) }
        }
        m.params[m.oSmearL] = 0.5
        m.params[m.oBackoutL] = 0.3
        return m
    }

    static func batch(B: Int, T: Int, V: Int, seed: UInt64) -> ([Int32], [Int32]) {
        var rng = RNG(seed: seed)
        let x = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(V)) }
        var y = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(V)) }
        for i in stride(from: 3, to: B * T, by: 7) { y[i] = -1 }
        return (x, y)
    }

    func checkModel(layers: Int, seqLen: Int, B: Int, T: Int) throws {
        let m = try Self.tinyModel(layers: layers, seqLen: seqLen, seed: UInt64(layers))
        print("model L=\(layers) seq=\(seqLen) B=\(B) T=\(T) windows \(m.windows)")
        let (x, y) = Self.batch(B: B, T: T, V: m.config.vocabSize, seed: 9)
        func loss() -> Double {
            x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { yb in Double(m.forward(inputs: xb, targets: yb, B: B, T: T)) } }
        }
        _ = loss()
        m.zeroGrad()
        m.backward()
        let grads = FlatBuffer(count: m.grads.count); grads.copy(from: m.grads)
        for e in m.layout.entries {
            let an = Array(UnsafeBufferPointer(start: grads.view(e), count: e.count))
            GradCheck.check(e.name, m.params.view(e), count: e.count, analytic: an, h: 1e-2, top: 3, random: 1,
                            rtol: 3e-2, loss: loss)
        }
        // lossScale scales every gradient
        _ = loss(); m.zeroGrad(); m.backward(lossScale: 2)
        let e = m.layout.entry("transformer.h.0.attn.c_q.weight")
        for i in 0..<e.count { XCTAssertEqual(m.grads.view(e)[i], 2 * grads.view(e)[i], accuracy: 1e-6 * max(1, abs(grads.view(e)[i]))) }
    }

    /// chat_rl's loss: Σ w[n]·CE[n] with a weight per token (advantages, of both signs, and 0), through the
    /// fused head's backward; finite differences on every tensor, and uniform weights 1/count = the mean loss.
    func testPerTokenWeightedLoss() throws {
        let m = try Self.tinyModel(layers: 3, seqLen: 64, seed: 5)   // 3: backout reads block 2, not the last
        let B = 2, T = 24
        let (x, y) = Self.batch(B: B, T: T, V: m.config.vocabSize, seed: 11)
        var rng = RNG(seed: 3)
        let w: [Float] = (0..<(B * T)).map { n in n % 5 == 0 ? 0 : Float(rng.normal()) }
        func loss(_ weights: [Float]?) -> Double {
            x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { yb in
                guard let weights else { return Double(m.forward(inputs: xb, targets: yb, B: B, T: T)) }
                return weights.withUnsafeBufferPointer { Double(m.forward(inputs: xb, targets: yb, B: B, T: T, tokenWeights: $0)) }
            } }
        }
        _ = loss(w); m.zeroGrad(); m.backward()
        let grads = FlatBuffer(count: m.grads.count); grads.copy(from: m.grads)
        for e in m.layout.entries {
            let an = Array(UnsafeBufferPointer(start: grads.view(e), count: e.count))
            GradCheck.check("weighted " + e.name, m.params.view(e), count: e.count, analytic: an, h: 1e-2, top: 3, random: 1,
                            rtol: 3e-2) { loss(w) }
        }
        // uniform weights 1/count reproduce the mean loss and its gradient
        let count = y.filter { $0 >= 0 }.count
        let uniform = [Float](repeating: 1 / Float(count), count: B * T)
        XCTAssertEqual(loss(uniform), loss(nil), accuracy: 1e-5)
        _ = loss(uniform); m.zeroGrad(); m.backward(); grads.copy(from: m.grads)
        _ = loss(nil); m.zeroGrad(); m.backward()
        for i in 0..<m.grads.count { XCTAssertEqual(m.grads.ptr[i], grads.ptr[i], accuracy: 1e-5 * max(1, abs(grads.ptr[i]))) }
    }

    func testWholeModelOddDepth() throws { try checkModel(layers: 3, seqLen: 512, B: 2, T: 160) }
    func testWholeModelEvenDepthBeyondSequenceLen() throws { try checkModel(layers: 4, seqLen: 64, B: 1, T: 160) }
}
