import Foundation

/// base_train's flags (scripts/base_train.py: argparse, HEAD names) resolved into values. Defaults follow nanochat,
/// except the sizes that set how much work a step and an eval do: those take nanochat's CPU script values
/// (runs/runcpu.sh: seq 512, total batch 16384, eval every 100 on 524288 tokens, no CORE, samples every 100),
/// because nanochat's 8×H100 defaults would take hours per step on a CPU. The one flag table drives parsing,
/// `--help` and the saved config (`userConfigJSON`, the meta's user_config under nanochat's argparse names).
public struct TrainOptions: ToolOptions, Sendable {
    public var run = "dummy"
    public var deviceType = "cpu"
    public var depth = 20, aspectRatio = 64, headDim = 128, maxSeqLen = 512
    public var windowPattern = "SSSL"
    /// -1 or 0: derived from --target-flops or --target-param-data-ratio (nanochat's "auto")
    public var numIterations = -1
    public var targetFlops = -1.0
    public var targetParamDataRatio = 12.0
    public var deviceBatchSize = 32, totalBatchSize = 16384
    public var embeddingLr = 0.3, unembeddingLr = 0.008, weightDecay = 0.28, matrixLr = 0.02, scalarLr = 0.5
    public var warmupSteps = 40, warmdownRatio = 0.65, finalLrFrac = 0.05
    /// -1 none; `Int.max` means "last"
    public var resumeFromStep = -1
    public var evalEvery = 100, evalTokens = 524288
    public var coreMetricEvery = -1, coreMetricMaxPerTask = 500
    public var sampleEvery = 100, saveEvery = -1
    public var modelTag: String? = nil
    public var dataDir = Paths.baseDataDir
    public var tokenizerDir = Paths.tokenizerDir
    public var checkpointsDir = Paths.baseCheckpointsDir
    public var bundleDir = Paths.evalBundleDir
    public var threads = 0          // 0: all cores (divided among ranks on one host)
    public var seed = 42
    public var initFrom: String? = nil
    public var keepLast = -1
    public var overwrite = false
    public var saveBest = false
    public var earlyStoppingPatience = -1
    public var earlyStoppingMinDelta = 0.0

    public init() {}
    public static let program = "base_train"
    public static let summary = "Pretrain a nanochat GPT on CPU (MPI data parallel under mpirun)."

    /// Every flag, once: nanochat's names and order, then ours. Ranges keep absurd values out before any
    /// allocation (the model size itself is checked against RAM by `ModelSize`).
    public static let fields: [OptionField<TrainOptions>] = [
        .string("run", \.run, "wandb run name ('dummy' disables logging; wandb is not used here)"),
        .deviceType(\.deviceType),
        // Model architecture
        .int("depth", \.depth, "depth of the Transformer model", min: 1, max: 1024),
        .int("aspect-ratio", \.aspectRatio, "model_dim = depth * aspect_ratio", min: 1, max: 65536),
        .int("head-dim", \.headDim, "target head dimension for attention (even, for rotary)", min: 2, max: 65536),
        .int("max-seq-len", \.maxSeqLen, "max context length", min: 1, max: 1 << 20),
        .string("window-pattern", \.windowPattern, "sliding window pattern tiled across layers: L=full, S=quarter context (ceil to 128)",
                check: { p in !p.isEmpty && p.uppercased().allSatisfy { $0 == "S" || $0 == "L" } ? nil : "use only the letters S and L" }),
        // Training horizon (only one used, in order of precedence)
        .int("num-iterations", \.numIterations, "explicit number of optimization steps (-1 or 0 = auto from the flags below)", min: -1),
        .double("target-flops", \.targetFlops, "calculate num_iterations to reach target_flops (-1 = disable)", min: 0, max: 1e30, also: [-1]),
        .double("target-param-data-ratio", \.targetParamDataRatio, "calculate num_iterations to maintain data:param ratio (-1 = disable)",
                min: 0, max: 1e9, also: [-1]),
        // Optimization
        .int("device-batch-size", \.deviceBatchSize, "per-rank batch size (rows of max-seq-len tokens)", min: 1, max: 1 << 16),
        .int("total-batch-size", \.totalBatchSize, "total batch size in tokens (-1 = auto compute-optimal)", min: 1, also: [-1]),
        .double("embedding-lr", \.embeddingLr, "learning rate for embedding parameters (Adam)", min: 0, max: 1000),
        .double("unembedding-lr", \.unembeddingLr, "learning rate for unembedding parameters (Adam)", min: 0, max: 1000),
        .double("weight-decay", \.weightDecay, "cautious weight decay for the Muon optimizer (for weights)", min: 0, max: 1000),
        .double("matrix-lr", \.matrixLr, "learning rate for matrix parameters (Muon)", min: 0, max: 1000),
        .double("scalar-lr", \.scalarLr, "learning rate for scalars (resid_lambdas, x0_lambdas)", min: 0, max: 1000),
        .int("warmup-steps", \.warmupSteps, "number of steps for LR warmup", min: 0),
        .double("warmdown-ratio", \.warmdownRatio, "ratio of iterations for LR warmdown", min: 0, max: 1),
        .double("final-lr-frac", \.finalLrFrac, "final LR as fraction of initial LR", min: 0, max: 1),
        .int("resume-from-step", \.resumeFromStep, "resume training from this step (-1 = disable, 'last' = newest checkpoint)",
             min: 0, also: [-1], words: ["last": Int.max]),
        // Evaluation
        .int("eval-every", \.evalEvery, "evaluate val bpb every N steps (-1 = disable)", min: -1),
        .int("eval-tokens", \.evalTokens, "number of tokens to evaluate val loss on", min: 1),
        .int("core-metric-every", \.coreMetricEvery, "evaluate CORE metric every N steps (-1 = disable)", min: -1),
        .int("core-metric-max-per-task", \.coreMetricMaxPerTask, "examples per task for CORE metric (-1 = all)", min: 1, also: [-1]),
        .int("sample-every", \.sampleEvery, "sample from model every N steps (-1 = disable)", min: -1),
        .int("save-every", \.saveEvery, "save checkpoints every N steps (-1 = only at end)", min: -1),
        // Output
        .modelTag(\.modelTag, "override model tag for checkpoint directory name (default d<depth>)"),
        // NanoChat additions
        .string("data-dir", \.dataDir, "data directory of shards (or one .parquet/.jsonl/.txt file); generated corpus if empty"),
        .tokenizerDir(\.tokenizerDir),
        .checkpointsDir(\.checkpointsDir),
        .string("bundle-dir", \.bundleDir, "CORE task bundle (for --core-metric-every)"),
        .threads(\.threads),
        .int("seed", \.seed, "seed of weight init", min: 0),
        .optionalString("init-from", \.initFrom, "start from this checkpoint's weights (model_*.safetensors or a checkpoint dir), fresh optimizer"),
        .int("keep-last", \.keepLast, "keep only the newest N checkpoints (-1 = keep all; best/ is never pruned)", min: 1, also: [-1]),
        .bool("overwrite", \.overwrite, "start a new run in a --model-tag directory that holds another run: delete its checkpoints first"),
        .bool("save-best", \.saveBest, "keep the checkpoint with the lowest val bpb in <checkpoint dir>/best (load it with --init-from=<dir>/best, base_eval --step=best)"),
        .int("early-stopping-patience", \.earlyStoppingPatience, "stop after N val bpb evaluations without improvement (-1 = never)", min: 1, also: [-1]),
        .double("early-stopping-min-delta", \.earlyStoppingMinDelta, "improvement in val bpb that resets the patience", min: 0, max: 1000),
    ]

    /// The model these flags ask for, validated and sized against this host's RAM before anything is
    /// allocated; problems name the flags.
    public func modelConfig(vocabSize: Int, ranksOnHost: Int = 1) throws -> GPTConfig {
        let flags = "--depth=\(depth) --aspect-ratio=\(aspectRatio) --head-dim=\(headDim) --max-seq-len=\(maxSeqLen)"
        let config = GPTConfig.fromDepth(depth, aspectRatio: aspectRatio, headDim: headDim, maxSeqLen: maxSeqLen,
                                         vocabSize: vocabSize, windowPattern: windowPattern)
        do { try config.validate() } catch let e as NanoChatError { throw NanoChatError("base_train \(flags): \(e.message)") }
        try ModelSize.check(config, rows: deviceBatchSize * maxSeqLen, training: true, ranksOnHost: ranksOnHost,
                            what: "base_train \(flags) --device-batch-size=\(deviceBatchSize)")
        return config
    }
}
