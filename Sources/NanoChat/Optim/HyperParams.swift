import Foundation

/// base_train's hyper-parameter transfer (scripts/base_train.py at HEAD: get_scaling_params and the batch size, lr
/// and weight-decay transfer): auto total batch size from the data budget, √-batch lr scaling, weight-decay scaling,
/// and the training horizon.
public struct HyperParams: Sendable, Equatable {
    public var totalBatchSize: Int
    public var batchLrScale: Double
    public var unembeddingLr: Double, embeddingLr: Double, matrixLr: Double, scalarLr: Double
    public var weightDecayScaled: Double
    public var numIterations: Int
    public var targetTokens: Int
    /// Scaling params (transformer_matrices + lm_head) of the model and of the d12 reference.
    public var scalingParams: Int, referenceScalingParams: Int
    public var flopsPerToken: Double
    /// One line: the number of steps and where it came from (printed by base_train, nanochat's "auto" horizon).
    public var horizon: String

    /// 2¹⁹ tokens: the batch the reference d12 was tuned at.
    public static let referenceBatch = 1 << 19

    /// - Parameters: `config` is the model being trained; `aspectRatio`/`headDim` are the CLI values
    ///   used to build the d12 reference with the model's sequence length, vocab and window pattern.
    ///   `totalBatchSize` −1 = auto; horizon precedence numIterations > 0 → targetFlops > 0 → ratio.
    public static func resolve(config: GPTConfig, aspectRatio: Int = 64, headDim: Int = 128,
                               totalBatchSize: Int = -1, targetParamDataRatio: Double = 12,
                               numIterations: Int = -1, targetFlops: Double = -1,
                               unembeddingLr: Double = 0.008, embeddingLr: Double = 0.3, matrixLr: Double = 0.02,
                               scalarLr: Double = 0.5, weightDecay: Double = 0.28) throws -> HyperParams {
        // scaling params = transformer_matrices + lm_head (scripts/base_train.py: get_scaling_params), from the
        // model's num_scaling_params counts
        func scalingOf(_ c: GPTConfig) -> Int { let d = c.scalingParams; return d["transformer_matrices"]! + d["lm_head"]! }
        let scaling = scalingOf(config)
        let ref = GPTConfig.fromDepth(12, aspectRatio: aspectRatio, headDim: headDim, maxSeqLen: config.sequenceLen,
                                      vocabSize: config.vocabSize, windowPattern: config.windowPattern)
        let refScaling = scalingOf(ref)
        let targetTokens = Int(targetParamDataRatio * Double(scaling))
        let dRef = targetParamDataRatio * Double(refScaling)
        let bRef = Double(referenceBatch)
        guard targetTokens > 0 || totalBatchSize > 0 else {
            throw NanoChatError("--target-param-data-ratio must be positive (got \(targetParamDataRatio))")
        }
        var B = totalBatchSize
        if B == -1 {
            B = 1 << pythonRound(log2(bRef * pow(Double(targetTokens) / dRef, 0.383)))
        }
        guard B > 0 else { throw NanoChatError("--total-batch-size must be positive or -1 (auto), got \(totalBatchSize)") }
        let batchLrScale = B == referenceBatch ? 1.0 : pow(Double(B) / bRef, 0.5)
        let wdScaled = weightDecay * (Double(B) / bRef).squareRoot() * (dRef / Double(targetTokens))
        let fpt = config.flopsPerToken
        let iters: Int
        let horizon: String
        let auto = "--num-iterations=\(numIterations) (auto)"
        if numIterations > 0 {
            iters = numIterations
            horizon = "Training horizon: \(iters) steps (--num-iterations)"
        } else if targetFlops > 0 {
            iters = pythonRound(targetFlops / (fpt * Double(B)))
            horizon = "Training horizon: \(iters) steps from \(auto): --target-flops=\(String(format: "%g", targetFlops)) / "
                + "(\(String(format: "%.4g", fpt)) FLOPs/token × \(B) tokens/step)"
        } else if targetParamDataRatio > 0 {
            iters = targetTokens / B
            horizon = "Training horizon: \(iters) steps from \(auto): --target-param-data-ratio=\(targetParamDataRatio) × "
                + "\(scaling) scaling params = \(targetTokens) tokens / \(B) tokens/step"
        } else {
            throw NanoChatError("no training horizon: --num-iterations, --target-flops and --target-param-data-ratio are all disabled; set one")
        }
        guard iters > 0 else {
            throw NanoChatError("\(horizon.replacingOccurrences(of: "Training horizon: ", with: "training horizon is ")); pass a positive --num-iterations")
        }
        return HyperParams(totalBatchSize: B, batchLrScale: batchLrScale, unembeddingLr: unembeddingLr * batchLrScale,
                           embeddingLr: embeddingLr * batchLrScale, matrixLr: matrixLr * batchLrScale,
                           scalarLr: scalarLr * batchLrScale, weightDecayScaled: wdScaled, numIterations: iters,
                           targetTokens: targetTokens, scalingParams: scaling, referenceScalingParams: refScaling,
                           flopsPerToken: fpt, horizon: horizon)
    }
}
