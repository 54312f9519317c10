import NanoChat

/// infer_bench's flags (nanochat's scripts/infer_bench.py, plus --depth, --threads), declared once.
public struct InferBenchOptions {
    public var source = "base"
    public var modelTag: String? = nil
    public var step: Int? = nil
    public var promptTokens = 512
    public var decodeTokens = 128
    public var batchSizes = "1,2,4,8,16,32"
    public var temperature = 0.0
    public var dtype = "float32"
    public var depth = 0
    public var threads = 0
    public var tokenizerDir: String? = nil
    public var profile = false

    public init() {}

    public static let fields: [OptionField<InferBenchOptions>] = [
        .string("source", \.source, "checkpoint source: base (base_checkpoints), sft (chatsft_checkpoints) or rl", choices: ["base", "sft", "rl"], short: "i"),
        .optionalString("model-tag", \.modelTag, "checkpoint directory (default: the largest d<N>)", short: "g"),
        .optionalInt("step", \.step, "checkpoint step (default: the last)", min: 0, short: "s"),
        .int("prompt-tokens", \.promptTokens, "prompt length for prefill", min: 1),
        .int("decode-tokens", \.decodeTokens, "tokens to generate per row", min: 2),
        .string("batch-sizes", \.batchSizes, "comma-separated decode batch sizes", check: { s in
            let parts = s.split(separator: ",", omittingEmptySubsequences: false)
            return parts.allSatisfy({ Int($0).map { $0 > 0 } ?? false }) ? nil : "must be positive integers separated by commas"
        }),
        .double("temperature", \.temperature, "sampling temperature (0 = greedy)", min: 0, short: "t"),
        .string("dtype", \.dtype, "weight storage: float32, or bfloat16 (matrices and lm_head rounded to bf16, math in fp32)", choices: ["float32", "bfloat16"], short: "d"),
        .int("depth", \.depth, "random weights of nanochat's --depth shape instead of a checkpoint (0 = load one)", min: 0, max: 64),
        .int("threads", \.threads, "threads (0 = all cores)", min: 0),
        .optionalString("tokenizer-dir", \.tokenizerDir, "default $NANOCHAT_BASE_DIR/tokenizer"),
        .bool("profile", \.profile, "print each batch size's decode step split by part (linear, attention, elementwise, head, rest)"),
    ]

    public var batchSizeList: [Int] { batchSizes.split(separator: ",").compactMap { Int($0) } }
}
