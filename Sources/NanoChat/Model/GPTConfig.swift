import Foundation

/// nanochat's GPTConfig (nanochat/gpt.py: GPTConfig), with snake_case JSON keys so meta files are interchangeable.
public struct GPTConfig: Codable, Sendable, Equatable {
    public var sequenceLen: Int = 2048
    public var vocabSize: Int = 32768
    public var nLayer: Int = 12
    public var nHead: Int = 6
    public var nKvHead: Int = 6
    public var nEmbd: Int = 768
    public var windowPattern: String = "SSSL"

    enum CodingKeys: String, CodingKey {
        case sequenceLen = "sequence_len", vocabSize = "vocab_size", nLayer = "n_layer", nHead = "n_head"
        case nKvHead = "n_kv_head", nEmbd = "n_embd", windowPattern = "window_pattern"
    }

    public init(sequenceLen: Int = 2048, vocabSize: Int = 32768, nLayer: Int = 12, nHead: Int = 6,
                nKvHead: Int = 6, nEmbd: Int = 768, windowPattern: String = "SSSL") {
        self.sequenceLen = sequenceLen; self.vocabSize = vocabSize; self.nLayer = nLayer; self.nHead = nHead
        self.nKvHead = nKvHead; self.nEmbd = nEmbd; self.windowPattern = windowPattern
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sequenceLen = try c.decode(Int.self, forKey: .sequenceLen)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        nLayer = try c.decode(Int.self, forKey: .nLayer)
        nHead = try c.decode(Int.self, forKey: .nHead)
        nKvHead = try c.decode(Int.self, forKey: .nKvHead)
        nEmbd = try c.decode(Int.self, forKey: .nEmbd)
        // old checkpoints without a pattern were all-long (nanochat's build_model patch)
        windowPattern = try c.decodeIfPresent(String.self, forKey: .windowPattern) ?? "L"
    }

    /// scripts/base_train.py: build_model_meta: width from depth, nudged up to a multiple of head_dim.
    public static func fromDepth(_ depth: Int, aspectRatio: Int = 64, headDim: Int = 128, maxSeqLen: Int = 2048,
                                 vocabSize: Int = 32768, windowPattern: String = "SSSL") -> GPTConfig {
        let baseDim = depth * aspectRatio
        let modelDim = (baseDim + headDim - 1) / headDim * headDim
        let heads = modelDim / headDim
        return GPTConfig(sequenceLen: maxSeqLen, vocabSize: vocabSize, nLayer: depth, nHead: heads,
                         nKvHead: heads, nEmbd: modelDim, windowPattern: windowPattern)
    }

    public var headDim: Int { nEmbd / nHead }
    /// Positions the rotary table covers, the longest sequence any forward takes: nanochat's GPT.__init__
    /// precomputes `rotary_seq_len = sequence_len * 10` (and asserts T fits in it).
    public var rotaryLimit: Int { 10 * sequenceLen }
    /// Vocab padded to a multiple of 64 (wte, lm_head, value embeds have this many rows).
    public var paddedVocab: Int { (vocabSize + 63) / 64 * 64 }
    /// Layers that carry a value embedding: alternating, ending with the last one.
    public func hasValueEmbed(_ i: Int) -> Bool { i % 2 == (nLayer - 1) % 2 }
    /// nanochat/gpt.py: GPT._compute_window_sizes: left window per layer (inclusive distance) for training length T
    /// = sequenceLen.
    public var windowSizes: [Int] {
        let pat = Array(windowPattern.uppercased())
        let T = sequenceLen
        let short = (T / 4 + 127) / 128 * 128   // -(-T // 4 // 128) * 128, T ≥ 0
        return (0..<nLayer).map { i in
            if i == nLayer - 1 { return T }
            return pat[i % pat.count] == "S" ? short : T
        }
    }

    public static let maxLayers = 4096, maxEmbd = 1 << 20, maxVocab = 1 << 24, maxSequenceLen = 1 << 24

    /// Checks the invariants nanochat asserts, as one-line errors.
    public func validate() throws {
        guard nLayer > 0, nHead > 0, nKvHead > 0, nEmbd > 0, vocabSize > 0, sequenceLen > 0 else {
            throw NanoChatError("model config: all sizes must be positive (\(self))")
        }
        // bounds far above any trainable model that keep every size computation inside Int (ModelSize
        // then compares the memory needed with the machine's RAM)
        for (name, value, limit) in [("n_layer", nLayer, Self.maxLayers), ("n_embd", nEmbd, Self.maxEmbd),
                                     ("vocab_size", vocabSize, Self.maxVocab), ("sequence_len", sequenceLen, Self.maxSequenceLen),
                                     ("n_head", nHead, nEmbd), ("n_kv_head", nKvHead, nHead)] where value > limit {
            throw NanoChatError("model config: \(name) \(value) is larger than \(limit)")
        }
        guard nEmbd % nHead == 0 else { throw NanoChatError("model config: n_embd \(nEmbd) not divisible by n_head \(nHead)") }
        guard nHead % nKvHead == 0 else { throw NanoChatError("model config: n_head \(nHead) not divisible by n_kv_head \(nKvHead)") }
        guard headDim % 2 == 0 else { throw NanoChatError("model config: head_dim \(headDim) must be even for rotary") }
        guard nEmbd >= 24 else { throw NanoChatError("model config: n_embd must be ≥ 24 (smear gate)") }
        guard !windowPattern.isEmpty, windowPattern.uppercased().allSatisfy({ $0 == "S" || $0 == "L" }) else {
            throw NanoChatError("model config: window_pattern '\(windowPattern)' must use only S and L")
        }
    }
}
