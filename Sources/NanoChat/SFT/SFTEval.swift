import Foundation

/// Validation of a chat model on held-out conversations: the mean cross-entropy over the supervised
/// (assistant) tokens, and bits per byte over the same targets (nanochat/loss_eval.py: evaluate_bpb), from `steps`
/// batches of a fresh val loader; both summed over ranks.
public enum SFTEval {
    public struct Result { public var loss: Double; public var bpb: Double; public var targets: Int }

    public static func evaluate(model: LanguageModel, tokenizer: Tokenizer, dataset: ChatTask, B: Int, T: Int, steps: Int,
                                dist: Distributed) throws -> Result {
        let loader = try SFTLoader(tokenizer: tokenizer, dataset: dataset, B: B, T: T, train: false,
                                   rank: dist.rank, worldSize: dist.worldSize)
        var acc = BPBAccumulator()
        var sums: [Double] = [0, 0]   // Σ loss, count over targets ≥ 0
        for _ in 0..<max(1, steps) {
            let b = try loader.next()
            let losses = model.perTokenLoss(inputs: b.inputs, targets: b.targets, B: B, T: T)
            for (l, y) in zip(losses, b.targets) where y >= 0 { sums[0] += Double(l); sums[1] += 1 }
            acc.add(losses: losses, targets: b.targets, tokenBytes: tokenizer.tokenBytes)
        }
        sums.withUnsafeMutableBufferPointer { dist.allReduceSum($0) }
        return Result(loss: sums[1] > 0 ? sums[0] / sums[1] : .nan, bpb: acc.bpb(dist: dist), targets: Int(sums[1]))
    }
}
