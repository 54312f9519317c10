import Foundation

extension GPT {
    /// nanochat/gpt.py: GPT.init_weights at HEAD, with our RNG (draw order as nanochat's: wte, lm_head, per layer
    /// c_q c_k c_v c_fc, smear_gate, value_embeds, ve_gates). Zero-initialized tensors are set explicitly.
    public func initWeights(seed: UInt64 = 42) {
        requireFP32Matrices("GPT.initWeights")
        var rng = RNG(seed: seed)
        let c = config, C = c.nEmbd, L = c.nLayer
        let s = 3.0.squareRoot() / Double(C).squareRoot()
        params.zero()
        func fill(_ name: String, _ body: (UnsafeMutablePointer<Float>, Int) -> Void) {
            let e = layout.entry(name); body(params.view(e), e.count)
        }
        fill("transformer.wte.weight") { rng.fillNormal($0, $1, std: 0.8) }
        fill("lm_head.weight") { rng.fillNormal($0, $1, std: 0.001) }
        for i in 0..<L {
            let p = "transformer.h.\(i)."
            fill(p + "attn.c_q.weight") { rng.fillUniform($0, $1, -s, s) }
            fill(p + "attn.c_k.weight") { rng.fillUniform($0, $1, -s, s) }
            fill(p + "attn.c_v.weight") { rng.fillUniform($0, $1, -s, s) }
            fill(p + "mlp.c_fc.weight") { rng.fillUniform($0, $1, -0.4 * s, 0.4 * s) }
            // attn.c_proj and mlp.c_proj stay zero
        }
        for i in 0..<L {
            let f = Float(i) / Float(max(L - 1, 1))
            params[oResid + i] = 1.15 - 0.10 * f
            params[oX0 + i] = 0.20 - 0.15 * f
        }
        params[oSmearL] = 0
        params[oBackoutL] = 0.2
        fill("smear_gate.weight") { rng.fillUniform($0, $1, 0, 0.02) }
        for i in 0..<L where c.hasValueEmbed(i) { fill("value_embeds.\(i).weight") { rng.fillUniform($0, $1, -s, s) } }
        for i in 0..<L where c.hasValueEmbed(i) { fill("transformer.h.\(i).attn.ve_gate.weight") { rng.fillUniform($0, $1, 0, 0.02) } }
    }
}
