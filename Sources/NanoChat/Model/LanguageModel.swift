/// What evaluation and sampling need from a model. `GPT` conforms; tests may use small stand-ins.
/// Token ids are Int32; a target of -1 is ignored. Arrays are row-major [B, T].
public protocol LanguageModel: AnyObject {
    var config: GPTConfig { get }
    /// Per-position cross-entropy in nats, `[B·T]`, 0 where target == -1 (loss_reduction='none').
    func perTokenLoss(inputs: [Int32], targets: [Int32], B: Int, T: Int) -> [Float]
    /// Per-position cross-entropy (as above) and the argmax of the logits at every position (first max),
    /// without materializing all logits at once. Used by CORE.
    func lossAndArgmax(inputs: [Int32], targets: [Int32], B: Int, T: Int) -> (loss: [Float], argmax: [Int32])
    /// Softcapped fp32 logits of the LAST position of each row, `[B, vocabSize]` — for sampling.
    func lastLogits(inputs: [Int32], B: Int, T: Int) -> [Float]
}
