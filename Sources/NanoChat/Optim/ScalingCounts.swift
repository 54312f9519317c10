/// §1.9 parameter counts used by the hyper-parameter transfer, read off a `ParameterLayout`.
public struct ScalingCounts: Sendable, Equatable {
    /// All `transformer.h.*` weights (attention, ve_gate, MLP).
    public let transformerMatrices: Int
    /// lm_head rows (padded vocab) × C.
    public let lmHead: Int
    /// Every Linear's weights: block matrices, lm_head and the smear gate.
    public let matmulParams: Int

    public init(layout: ParameterLayout) {
        transformerMatrices = layout.entries.filter { $0.name.hasPrefix("transformer.h.") }.reduce(0) { $0 + $1.count }
        lmHead = layout["lm_head.weight"]?.count ?? 0
        matmulParams = transformerMatrices + lmHead + (layout["smear_gate.weight"]?.count ?? 0)
    }

    /// base_train's "scaling params": transformer_matrices + lm_head.
    public var scaling: Int { transformerMatrices + lmHead }
}

extension ScalingCounts {
    /// nanochat's `estimate_flops` (§1.9): training FLOPs per token (forward + backward),
    /// 6 · matmul params + Σ_layers 12 · H · D · min(left window, T).
    /// (Lives here until the model's own FLOP helper lands; keep the two in agreement.)
    public static func flopsPerToken(config c: GPTConfig) -> Double {
        let mm = ScalingCounts(layout: ParameterLayout(config: c)).matmulParams
        let T = c.sequenceLen
        let attn = c.windowSizes.reduce(0) { $0 + 12 * c.nHead * c.headDim * min($1, T) }
        return Double(6 * mm + attn)
    }
}
