import Foundation
@testable import NanoChat

/// A test tokenizer: one token per UTF-8 byte (ids 0–255), `<|bos|>` = 256. Lets eval tests control
/// token boundaries exactly without the BPE tokenizer.
final class ByteTokenizer: TextTokenizer, @unchecked Sendable {
    let bosId: Int32 = 256
    let vocabSize = 257
    func encodeOrdinary(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }
    func encodeOrdinaryBatch(_ texts: [String], threads: Int) -> [[Int32]] { texts.map(encodeOrdinary) }
    func decode(_ ids: [Int32]) -> String {
        var out = ""; var bytes: [UInt8] = []
        func flush() { out += String(decoding: bytes, as: UTF8.self); bytes = [] }
        for id in ids { if id == bosId { flush(); out += "<|bos|>" } else { bytes.append(UInt8(id)) } }
        flush(); return out
    }
    var tokenBytes: [Int32] { Array(repeating: 1, count: 256) + [0] }
}

/// A bigram "model" whose logits depend only on the previous token: logits[prev][next] (default 0). Its
/// answers are known by construction, so CORE scoring and bpb can be checked by hand.
final class BigramTableModel: LanguageModel {
    let V: Int
    var table: [Float]
    let config: GPTConfig
    private(set) var forwardCalls = 0

    init(vocab: Int = 257) {
        V = vocab
        table = [Float](repeating: 0, count: vocab * vocab)
        config = GPTConfig(sequenceLen: 64, vocabSize: vocab, nLayer: 1, nHead: 1, nKvHead: 1, nEmbd: 8)
    }
    /// Makes `next` the likely (logit `logit`) successor of `prev` (ASCII characters or token ids).
    func prefer(_ prev: Character, _ next: Character, _ logit: Float = 10) {
        prefer(Int32(prev.asciiValue!), Int32(next.asciiValue!), logit)
    }
    func prefer(_ prev: Int32, _ next: Int32, _ logit: Float = 10) {
        table[Int(prev) * V + Int(next)] = logit
        lse = nil
    }
    private var lse: [Double]? = nil
    func logits(_ prev: Int32) -> ArraySlice<Float> { table[(Int(prev) * V)..<(Int(prev) * V + V)] }

    /// Cross-entropy of `target` given `prev`, in Double.
    func nll(_ prev: Int32, _ target: Int32) -> Double {
        if lse == nil {
            lse = (0..<V).map { p in
                let l = table[(p * V)..<(p * V + V)].map(Double.init)
                let m = l.max()!
                return m + log(l.map { exp($0 - m) }.reduce(0, +))
            }
        }
        return lse![Int(prev)] - Double(table[Int(prev) * V + Int(target)])
    }

    func perTokenLoss(inputs: [Int32], targets: [Int32], B: Int, T: Int) -> [Float] {
        forwardCalls += 1
        return (0..<(B * T)).map { targets[$0] < 0 ? 0 : Float(nll(inputs[$0], targets[$0])) }
    }
    func lossAndArgmax(inputs: [Int32], targets: [Int32], B: Int, T: Int) -> (loss: [Float], argmax: [Int32]) {
        let loss = perTokenLoss(inputs: inputs, targets: targets, B: B, T: T)
        let am: [Int32] = inputs.map { prev in
            let l = logits(prev); var best = l.startIndex
            for i in l.indices where l[i] > l[best] { best = i }
            return Int32(best - l.startIndex)
        }
        return (loss, am)
    }
    func lastLogits(inputs: [Int32], B: Int, T: Int) -> [Float] {
        forwardCalls += 1
        return (0..<B).flatMap { Array(logits(inputs[$0 * T + T - 1])) }
    }
}
