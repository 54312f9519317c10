import Foundation

/// chat_sft's flags (nanochat scripts/chat_sft.py, HEAD names and defaults). `nil` = nanochat's `None`:
/// inherited from the base checkpoint's meta (sizes) or user_config (learning rates). One CPU-sized
/// default, as base_train's: `--eval-tokens` (nanochat's 40·524288 would take hours per eval on a CPU).
public struct SFTOptions: Sendable {
    public var run = "dummy"
    public var deviceType = "cpu"
    // Model loading
    public var modelTag: String? = nil
    public var modelStep: Int? = nil
    public var loadOptimizer = true
    // Training horizon
    public var numIterations = -1
    // Batch sizes (nil: inherit from the base checkpoint)
    public var maxSeqLen: Int? = nil
    public var deviceBatchSize: Int? = nil
    public var totalBatchSize: Int? = nil
    // Optimization (nil: inherit from the base checkpoint's user_config)
    public var embeddingLr: Double? = nil
    public var unembeddingLr: Double? = nil
    public var matrixLr: Double? = nil
    public var initLrFrac = 0.8
    public var warmupRatio = 0.0
    public var warmdownRatio = 0.5
    public var finalLrFrac = 0.0
    // Evaluation
    public var evalEvery = 200
    public var evalTokens = 524288
    // Data mixture
    public var mmluEpochs = 3
    public var gsm8kEpochs = 4
    public var mixture: String? = nil
    public var valMixture: String? = nil
    // NanoChat additions
    public var resumeFromStep = -1
    public var saveEvery = -1
    public var sftDataDir = Paths.join(Paths.baseDir, "sft_data")
    public var tokenizerDir = Paths.tokenizerDir
    public var checkpointsDir = Paths.baseCheckpointsDir
    public var outputDir = Paths.sftCheckpointsDir
    public var threads = 0
    public var overwrite = false

    public init() {}

    public static let fields: [OptionField<SFTOptions>] = [
        .string("run", \.run, "wandb run name ('dummy' disables logging; wandb is not used here)"),
        .deviceType(\.deviceType),
        // Model loading
        .modelTag(\.modelTag, "base model tag to load from (default: the largest d<N>); also the output directory name"),
        .optionalInt("model-step", \.modelStep, "base model step to load from (default: the last)", min: 0),
        .bool("load-optimizer", \.loadOptimizer, "warm-start the optimizer from the base checkpoint (0=no, 1=yes)"),
        // Training horizon
        .int("num-iterations", \.numIterations, "number of optimization steps (-1 = one full epoch of the mixture)", min: 1, also: [-1]),
        // Batch sizes
        .optionalInt("max-seq-len", \.maxSeqLen, "max context length (default: inherit from the base checkpoint)", min: 1, max: 1 << 20),
        .optionalInt("device-batch-size", \.deviceBatchSize, "per-rank batch size (default: inherit)", min: 1, max: 1 << 16),
        .optionalInt("total-batch-size", \.totalBatchSize, "total batch size in tokens (default: inherit)", min: 1),
        // Optimization
        .optionalDouble("embedding-lr", \.embeddingLr, "learning rate for embedding parameters (Adam) (default: inherit)", min: 0, max: 1000),
        .optionalDouble("unembedding-lr", \.unembeddingLr, "learning rate for unembedding parameters (Adam) (default: inherit)", min: 0, max: 1000),
        .optionalDouble("matrix-lr", \.matrixLr, "learning rate for matrix parameters (Muon) (default: inherit)", min: 0, max: 1000),
        .double("init-lr-frac", \.initLrFrac, "initial LR as fraction of base LR", min: 0, max: 1000),
        .double("warmup-ratio", \.warmupRatio, "ratio of iterations for LR warmup", min: 0, max: 1),
        .double("warmdown-ratio", \.warmdownRatio, "ratio of iterations for LR warmdown", min: 0, max: 1),
        .double("final-lr-frac", \.finalLrFrac, "final LR as fraction of initial LR", min: 0, max: 1),
        // Evaluation
        .int("eval-every", \.evalEvery, "evaluate val loss/bpb every N steps (-1 = only at the end)", min: 1, also: [-1]),
        .int("eval-tokens", \.evalTokens, "number of tokens to evaluate val loss on", min: 1),
        // Data mixture
        .int("mmlu-epochs", \.mmluEpochs, "epochs of MMLU auxiliary_train in the default mixture", min: 1, max: 1000),
        .int("gsm8k-epochs", \.gsm8kEpochs, "epochs of GSM8K train in the default mixture", min: 1, max: 1000),
        .optionalString("mixture", \.mixture, "training mixture task:path[:epochs[:start-stop]],... (tasks: \(MixtureSpec.taskNames.joined(separator: ", "))); default: nanochat's from --sft-data-dir"),
        .optionalString("val-mixture", \.valMixture, "validation mixture, same syntax (default: the test splits in --sft-data-dir)"),
        // NanoChat additions
        .int("resume-from-step", \.resumeFromStep, "resume this SFT run from its step (-1 = disable, 'last' = newest checkpoint)",
             min: 0, also: [-1], words: ["last": Int.max]),
        .int("save-every", \.saveEvery, "also save a checkpoint every N steps (-1 = only at the end, as nanochat)", min: 1, also: [-1]),
        .string("sft-data-dir", \.sftDataDir, "where `dataset --sft` put smol-smoltalk, MMLU and GSM8K (the default mixture)"),
        .tokenizerDir(\.tokenizerDir),
        .checkpointsDir(\.checkpointsDir, "base checkpoints (model-tag directories) to fine-tune"),
        .string("output-dir", \.outputDir, "where the chat checkpoints go (<output-dir>/<model-tag>/)"),
        .threads(\.threads),
        .bool("overwrite", \.overwrite, "start a new run in an output directory that holds another run: delete its checkpoints first"),
    ]

    public static func declare(_ f: Flags) { OptionTable.declare(fields, defaults: SFTOptions(), in: f) }
    public static func from(_ f: Flags) throws -> SFTOptions { try OptionTable.read(fields, from: f, into: SFTOptions()) }
    public var userConfigJSON: JSONValue { OptionTable.userConfig(Self.fields, self) }
}

extension OptionField {
    /// A Double that may be nanochat's `None` (nil; typed as "None" or "").
    static func optionalDouble(_ name: String, _ key: WritableKeyPath<Options, Double?>, _ help: String,
                               min: Double? = nil, max: Double? = nil) -> Self {
        Self(name: name,
             declare: { f, d in f.define(name, double: d[keyPath: key], help, min: min, max: max) },
             read: { f, o in o[keyPath: key] = try f.optionalDouble(name) },
             json: { o in o[keyPath: key].map { .double($0) } ?? .null })
    }
}
