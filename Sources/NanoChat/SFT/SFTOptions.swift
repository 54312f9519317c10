import Foundation

/// chat_sft's flags (nanochat scripts/chat_sft.py, HEAD names and defaults). `nil` = nanochat's `None`:
/// inherited from the base checkpoint's meta (sizes) or user_config (learning rates). CPU-sized defaults, as
/// base_train's: `--eval-tokens` 524288 (nanochat's 40·524288 would take hours per eval on a CPU) and
/// `--chatcore-max-cat` 100 (nanochat's -1 scores all 17.6K ARC and MMLU problems at every ChatCORE).
public struct SFTOptions: ToolOptions, Sendable {
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
    public var chatcoreEvery = 200
    public var chatcoreMaxCat = 100
    public var chatcoreMaxSample = 24
    // Data mixture
    public var mmluEpochs = 3
    public var gsm8kEpochs = 4
    public var mixture: String? = nil
    public var valMixture: String? = nil
    // NanoChat additions
    public var chatcoreDataDir: String? = nil
    public var resumeFromStep = -1
    public var saveEvery = -1
    public var sftDataDir = Paths.join(Paths.baseDir, "sft_data")
    public var tokenizerDir = Paths.tokenizerDir
    public var checkpointsDir = Paths.baseCheckpointsDir
    public var outputDir = Paths.sftCheckpointsDir
    public var threads = 0
    public var overwrite = false

    public init() {}
    public static let program = "chat_sft"
    public static let summary = "Fine-tune a base checkpoint on a mixture of conversations (MPI data parallel under mpirun)."
    public static let fields: [OptionField<SFTOptions>] = [
        .string("run", \.run, "wandb run name ('dummy' disables logging; wandb is not used here)"),
        .deviceType(\.deviceType),
        // Model loading
        .modelTag(\.modelTag, "base model tag to load from (default: the largest d<N>); also the output directory name"),
        .checkpointStep(\.modelStep, "base model step to load from (default: the last)", name: "model-step"),
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
        .int("eval-every", \.evalEvery, "evaluate val bpb every N steps (0 or -1 = only at the end)", min: -1),
        .int("eval-tokens", \.evalTokens, "number of tokens to evaluate val loss on", min: 1),
        .int("chatcore-every", \.chatcoreEvery, "evaluate the ChatCORE metric every N steps and at the end (0 or -1 = disable)", min: -1),
        .int("chatcore-max-cat", \.chatcoreMaxCat, "max problems per categorical task for ChatCORE (-1 = all; nanochat's default; 100 here, CPU-sized)",
             min: 1, also: [-1]),
        .int("chatcore-max-sample", \.chatcoreMaxSample, "max problems per generative task for ChatCORE (-1 = all)", min: 1, also: [-1]),
        // Data mixture
        .int("mmlu-epochs", \.mmluEpochs, "epochs of MMLU auxiliary_train in the default mixture (0 = leave MMLU out)", min: 0, max: 1000),
        .int("gsm8k-epochs", \.gsm8kEpochs, "epochs of GSM8K train in the default mixture (0 = leave GSM8K out)", min: 0, max: 1000),
        .optionalString("mixture", \.mixture, "training mixture task:path[:epochs[:start-stop]],... (tasks: \(MixtureSpec.taskNames.joined(separator: ", "))); default: nanochat's from --sft-data-dir"),
        .optionalString("val-mixture", \.valMixture, "validation mixture, same syntax (default: the test splits in --sft-data-dir)"),
        // NanoChat additions
        .optionalString("chatcore-data-dir", \.chatcoreDataDir, "ChatCORE's task files, as chat_eval's --data-dir (default: $NANOCHAT_BASE_DIR/chat_eval_data, else ../shared/data; ChatCORE is skipped with a note when the default lacks them)"),
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
