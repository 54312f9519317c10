import NanoChat

/// infer_bench's flags (nanochat's scripts/infer_bench.py, plus --depth, --threads), declared once.
public struct InferBenchOptions: ToolOptions {
    public var checkpoint = CheckpointChoice(source: "base")
    public var promptTokens = 512
    public var decodeTokens = 128
    public var batchSizes = "1,2,4,8,16,32"
    public var temperature = 0.0
    public var dtype = "float32"
    public var depth = 0
    public var threads = 0
    public var tokenizerDir: String? = nil
    public var profile = false
    public var deviceType = ""

    public init() {}
    public static let program = "infer_bench"
    public static let summary = "Inference benchmark: TTFT, prefill and decode tok/s, MBU over decode batch sizes."
    public static let fields: [OptionField<InferBenchOptions>] = OptionField.checkpoint(\InferBenchOptions.checkpoint) + [
        .int("prompt-tokens", \.promptTokens, "prompt length for prefill", min: 1),
        .int("decode-tokens", \.decodeTokens, "tokens to generate per row", min: 2),
        .string("batch-sizes", \.batchSizes, "comma-separated decode batch sizes", check: { s in
            let parts = s.split(separator: ",", omittingEmptySubsequences: false)
            return parts.allSatisfy({ Int($0).map { $0 > 0 } ?? false }) ? nil : "must be positive integers separated by commas"
        }),
        .double("temperature", \.temperature, "sampling temperature (0 = greedy)", min: 0, short: "t"),
        .dtype(\.dtype),
        .int("depth", \.depth, "random weights of nanochat's --depth shape instead of a checkpoint (0 = load one)", min: 0, max: 64),
        .threads(\.threads),
        .optionalString("tokenizer-dir", \.tokenizerDir, "default $NANOCHAT_BASE_DIR/tokenizer"),
        .bool("profile", \.profile, "print each batch size's decode step split by part (linear, attention, elementwise, head, rest)"),
        .deviceType(\.deviceType, choices: nil),
    ]

    public var batchSizeList: [Int] { batchSizes.split(separator: ",").compactMap { Int($0) } }
}
