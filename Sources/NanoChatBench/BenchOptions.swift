import Foundation
import NanoChat

// The flags of each `bench` subcommand, one typed table each (as every tool's): read through `parse`, never
// back by string. `--threads` means what it means everywhere (0 = all cores / ranks on this host).

struct TrainBenchOptions: ToolOptions {
    var train = TrainOptions()
    var skipSteps = 3

    static let program = "bench train"
    static let summary = "Time base_train's steps and print where a step's time goes."
    static let fields: [OptionField<TrainBenchOptions>] = TrainOptions.fields.map { $0.nested(in: \TrainBenchOptions.train) } + [
        .int("skip-steps", \.skipSteps, "steps left out of the medians (warm-up: allocation, page faults)", min: 0, max: 1 << 20),
    ]
}

struct PeakBenchOptions: ToolOptions {
    var threads = 0
    var rounds = 5

    static let program = "bench peak"
    static let summary = "The MFU denominator and the best sgemm rate, side by side."
    static let fields: [OptionField<PeakBenchOptions>] = [
        .threads(\.threads),
        .int("rounds", \.rounds, "rounds of sgemm probes (best taken)", min: 1, max: 1000),
    ]
}

struct OptimBenchOptions: ToolOptions {
    var depth = 4
    var rounds = 7
    var threads = 0

    static let program = "bench optim"
    static let summary = "Optimizer step time: pooled jobs against group by group."
    static let fields: [OptionField<OptimBenchOptions>] = [
        .int("depth", \.depth, "model depth", min: 1, max: 64),
        .int("rounds", \.rounds, "rounds (each runs both schedules once)", min: 1, max: 10000),
        .threads(\.threads),
    ]
}

struct ModelBenchOptions: ToolOptions {
    var depth = 4
    var headDim = 128
    var maxSeqLen = 512
    var windowPattern = "L"
    var deviceBatchSize = 1
    var vocabSize = 32768
    var steps = 5
    var threads = 0
    var headChunks: String? = nil
    var gemms = false

    static let program = "bench model"
    static let summary = "Forward+backward of a fresh GPT on random tokens."
    static let fields: [OptionField<ModelBenchOptions>] = [
        .int("depth", \.depth, "model depth", min: 1, max: 64),
        .int("head-dim", \.headDim, "attention head dimension", min: 8, max: 1024),
        .int("max-seq-len", \.maxSeqLen, "T", min: 1, max: 1 << 16),
        .string("window-pattern", \.windowPattern, "sliding-window pattern (L, S, SSSL, ...)"),
        .int("device-batch-size", \.deviceBatchSize, "B", min: 1, max: 4096),
        .int("vocab-size", \.vocabSize, "vocabulary size", min: 16, max: 1 << 22),
        .int("steps", \.steps, "timed steps after one warm-up", min: 1, max: 10000),
        .threads(\.threads),
        .optionalString("head-chunks", \.headChunks, "comma-separated lm-head chunk budgets in M logits (default: the library's)", unset: ""),
        .bool("gemms", \.gemms, "also time the step's GEMMs alone"),
    ]

    /// `--head-chunks` as budgets in logits; [nil] = the library's default.
    func headChunkBudgets() throws -> [Int?] {
        guard let list = headChunks else { return [nil] }
        return try list.split(separator: ",").map { s in
            guard let mb = Int(s), mb > 0, mb <= 4096 else { throw NanoChatError("bench model: --head-chunks: '\(s)' is not a size in M logits (1...4096)") }
            return mb << 20
        }
    }
}

struct DataBenchOptions: ToolOptions {
    var dataDir = Paths.baseDataDir
    var tokenizer = Paths.tokenizerDir
    var batches = 20

    static let program = "bench data"
    static let summary = "Parquet read speed and DataLoader throughput."
    static let fields: [OptionField<DataBenchOptions>] = [
        .string("data-dir", \.dataDir, "directory of shards"),
        .string("tokenizer", \.tokenizer, "tokenizer.tiktoken file or tokenizer directory"),
        .int("batches", \.batches, "loader batches of B=32, T=2048", min: 2, max: 1 << 30),
    ]
}

struct EncodeBenchOptions: ToolOptions {
    var tokenizer = Paths.tokenizerDir
    var input = ""
    var threads = 0

    static let program = "bench encode"
    static let summary = "Tokenizer encoding throughput."
    static let fields: [OptionField<EncodeBenchOptions>] = [
        .string("tokenizer", \.tokenizer, "tokenizer directory"),
        .string("input", \.input, "FILE[,FILE...] of documents (required)"),
        .threads(\.threads),
    ]
}
