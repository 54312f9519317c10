import Foundation

/// chat_rl's flags (nanochat's scripts/chat_rl.py names, in its order), plus ours: a step cap, resume and
/// data paths. Defaults are CPU-sized where nanochat's would take hours on a laptop; nanochat's value is
/// in each help text.
public struct RLOptions: ToolOptions {
    public var run = "dummy"
    public var deviceType = ""
    public var modelTag: String? = nil
    public var modelStep: Int? = nil
    public var numEpochs = 1
    public var deviceBatchSize = 4
    public var examplesPerStep = 4
    public var numSamples = 4
    public var maxNewTokens = 128
    public var temperature = 1.0
    public var topK = 50
    public var embeddingLr = 0.2
    public var unembeddingLr = 0.004
    public var matrixLr = 0.02
    public var weightDecay = 0.0
    public var initLrFrac = 0.05
    public var evalEvery = 60
    public var evalExamples = 40
    public var saveEvery = 60
    // NanoChat additions
    public var numIterations = -1
    public var resumeFromStep = -1
    public var trainData: String? = nil
    public var testData: String? = nil
    public var tokenizerDir = Paths.tokenizerDir
    public var checkpointsDir = Paths.sftCheckpointsDir
    public var outputDir = Paths.join(Paths.baseDir, "chatrl_checkpoints")
    public var threads = 0

    public init() {}
    public static let program = "chat_rl"
    public static let summary = "RL on GSM8K from an SFT checkpoint (nanochat's simplified GRPO; MPI splits the rollouts under mpirun)."
    public static let fields: [OptionField<RLOptions>] = [
        .string("run", \.run, "wandb run name ('dummy' disables logging; wandb is not used here)"),
        .deviceType(\.deviceType),
        // Model loading
        .modelTag(\.modelTag, "SFT model tag to load from (default: the largest d<N>); also the output directory name"),
        .checkpointStep(\.modelStep, "SFT model step to load from (default: the last)", name: "model-step"),
        // Training horizon
        .int("num-epochs", \.numEpochs, "number of epochs over GSM8K", min: 1, max: 1000),
        // Batch sizes / sampling
        .int("device-batch-size", \.deviceBatchSize, "max batch size per forward pass (nanochat: 8)", min: 1, max: 1024),
        .int("examples-per-step", \.examplesPerStep, "total examples per optimization step across all ranks (nanochat: 16)", min: 1),
        .int("num-samples", \.numSamples, "number of samples per example/question (nanochat: 16)", min: 1, max: 4096),
        // Generation
        .int("max-new-tokens", \.maxNewTokens, "max tokens to generate per sample (nanochat: 256)", min: 1),
        .double("temperature", \.temperature, "sampling temperature", min: 0, max: 10),
        .int("top-k", \.topK, "top-k sampling (0 = disabled)", min: 0),
        // Optimization
        .double("embedding-lr", \.embeddingLr, "learning rate for embedding parameters (Adam)", min: 0, max: 1000),
        .double("unembedding-lr", \.unembeddingLr, "learning rate for unembedding parameters (Adam)", min: 0, max: 1000),
        .double("matrix-lr", \.matrixLr, "learning rate for matrix parameters (Muon)", min: 0, max: 1000),
        .double("weight-decay", \.weightDecay, "weight decay for embedding/unembedding parameters (Adam)", min: 0, max: 1000),
        .double("init-lr-frac", \.initLrFrac, "initial LR as fraction of base LR", min: 0, max: 1000),
        // Evaluation / checkpointing
        .int("eval-every", \.evalEvery, "evaluate pass@k every N steps (-1 = never)", min: 1, also: [-1]),
        .int("eval-examples", \.evalExamples, "number of examples for pass@k evaluation (nanochat: 400)", min: 1),
        .int("save-every", \.saveEvery, "save checkpoint every N steps (and at the end)", min: 1, also: [-1]),
        // NanoChat additions
        .int("num-iterations", \.numIterations, "stop after this many steps (-1 = nanochat's horizon: epochs × train examples / examples-per-step)", min: 1, also: [-1]),
        .int("resume-from-step", \.resumeFromStep, "resume this RL run from its step (-1 = disable, 'last' = newest checkpoint)",
             min: 0, also: [-1], words: ["last": Int.max]),
        .optionalString("train-data", \.trainData, "GSM8K train (jsonl or parquet; default $NANOCHAT_BASE_DIR/sft_data/gsm8k/train*)"),
        .optionalString("test-data", \.testData, "GSM8K test for pass@k (default $NANOCHAT_BASE_DIR/sft_data/gsm8k/test*)"),
        .tokenizerDir(\.tokenizerDir),
        .checkpointsDir(\.checkpointsDir, "SFT checkpoints (model-tag directories) to start from"),
        .string("output-dir", \.outputDir, "where the RL checkpoints go (<output-dir>/<model-tag>/)"),
        .threads(\.threads),
    ]
}
