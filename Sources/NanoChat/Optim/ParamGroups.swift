import Foundation

extension MuonAdamW {
    /// nanochat's `setup_optimizer` groups (nanochat/gpt.py: GPT.setup_optimizer) in its order: lm_head, wte,
    /// value_embeds, resid_lambdas, x0_lambdas, smear (fixed lr 0.2), then one Muon group per distinct
    /// `transformer.h.*` shape, shapes sorted as tuples, members in model order.
    static func nanochatGroups(layout: ParameterLayout, config: GPTConfig, unembeddingLr: Double, embeddingLr: Double,
                               matrixLr: Double, weightDecay: Double, scalarLr: Double) -> [Group] {
        let dms = pow(Double(config.nEmbd) / 768.0, -0.5)   // dmodel_lr_scale
        func adamw(_ names: [String], _ lr: Double, _ betas: [Double], _ wd: Double) -> Group {
            Group(kind: .adamw, names: names, lr: lr, initialLr: lr, betas: betas, eps: 1e-10, weightDecay: wd,
                  momentum: 0, beta2: 0, nsSteps: 0)
        }
        let valueEmbeds = (0..<config.nLayer).filter { config.hasValueEmbed($0) }.map { "value_embeds.\($0).weight" }
        var groups = [
            adamw(["lm_head.weight"], unembeddingLr * dms, [0.8, 0.96], 0.01),
            adamw(["transformer.wte.weight"], embeddingLr * dms, [0.8, 0.995], 0.001),
            adamw(valueEmbeds, embeddingLr * dms * 0.5, [0.8, 0.995], 0.01),
            adamw(["resid_lambdas"], scalarLr * 0.01, [0.8, 0.95], 0.05),
            adamw(["x0_lambdas"], scalarLr, [0.96, 0.95], 0.0),
            // order as nanochat's param list yields them (fixture.json): the two scalars, then the gate
            adamw(["smear_lambda", "backout_lambda", "smear_gate.weight"], 0.2, [0.8, 0.95], 0.0),
        ]
        let blocks = layout.entries.filter { $0.name.hasPrefix("transformer.h.") }
        let shapes = Set(blocks.map(\.shape)).sorted { $0.lexicographicallyPrecedes($1) }
        for shape in shapes {
            groups.append(Group(kind: .muon, names: blocks.filter { $0.shape == shape }.map(\.name), lr: matrixLr,
                                initialLr: matrixLr, betas: [], eps: 0, weightDecay: weightDecay,
                                momentum: 0.95, beta2: 0.9, nsSteps: 5))
        }
        return groups
    }
}
