// nanochat/gpt.py: GPT.estimate_flops and num_scaling_params: FLOPs per token and the parameter counts base_train
// uses for its horizon.

extension GPTConfig {
    /// Weights of every Linear: all block matrices (incl. ve_gate), lm_head (Vp rows), smear_gate.
    public var numMatmulParams: Int {
        ParameterLayout(config: self).entries.reduce(0) { acc, e in
            (e.name.hasPrefix("transformer.h.") || e.name == "lm_head.weight" || e.name == "smear_gate.weight") ? acc + e.count : acc
        }
    }

    /// 6·matmul params + Σ_layers 12·H·D·min(left, T), T = sequenceLen (fwd+bwd FLOPs per token).
    public var flopsPerToken: Double {
        let attn = windowSizes.reduce(0) { $0 + 12 * nHead * headDim * min($1, sequenceLen) }
        return 6 * Double(numMatmulParams) + Double(attn)
    }

    /// nanochat's num_scaling_params(): wte, value_embeds, lm_head, transformer_matrices, scalars, total.
    public var scalingParams: [String: Int] {
        var d = ["wte": 0, "value_embeds": 0, "lm_head": 0, "transformer_matrices": 0, "scalars": 0]
        for e in ParameterLayout(config: self).entries {
            let key: String
            if e.name == "transformer.wte.weight" { key = "wte" }
            else if e.name.hasPrefix("value_embeds.") { key = "value_embeds" }
            else if e.name == "lm_head.weight" { key = "lm_head" }
            else if e.name.hasPrefix("transformer.h.") { key = "transformer_matrices" }
            else { key = "scalars" }
            d[key]! += e.count
        }
        d["total"] = d.values.reduce(0, +)
        return d
    }
}

extension GPT {
    public func estimateFlops() -> Double { config.flopsPerToken }
    public func numScalingParams() -> [String: Int] { config.scalingParams }
}
