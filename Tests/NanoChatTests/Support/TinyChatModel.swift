import Foundation
@testable import NanoChat

/// The chat session and server tests' model: 2 layers, n_embd 32, GQA 2:1, random N(0, std²) weights, with the
/// 4096-token fixture tokenizer. They need real tokens, a cache and a context to overflow, not trained answers;
/// each test file keeps its own seed and std, so its outputs stay the ones its assertions were written for.
func tinyChatModel(sequenceLen: Int = 64, seed: UInt64, std: Double) throws -> (GPT, Tokenizer) {
    let tok = try Tokenizer.load(tiktokenFile: TestPaths.fixture("tokenizer_multi_4096/tokenizer.tiktoken"))
    let m = try GPT(config: GPTConfig(sequenceLen: sequenceLen, vocabSize: tok.vocabSize, nLayer: 2, nHead: 2, nKvHead: 1, nEmbd: 32))
    var rng = RNG(seed: seed)
    rng.fillNormal(m.params.ptr, m.params.count, std: std)
    return (m, tok)
}
