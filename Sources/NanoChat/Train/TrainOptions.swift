import Foundation

/// base_train's flags (§7.1, HEAD names) resolved into values. Defaults follow nanochat, except the
/// sizes that set how much work a step and an eval do: those take nanochat's CPU script values
/// (runs/runcpu.sh: seq 512, total batch 16384, eval every 100 on 524288 tokens, no CORE, samples every 100),
/// because nanochat's 8×H100 defaults would take hours per step on a CPU.
public struct TrainOptions: Sendable {
    public var run = "dummy"
    public var depth = 20, aspectRatio = 64, headDim = 128, maxSeqLen = 512
    public var windowPattern = "SSSL"
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

    public init() {}

    /// Declares every flag with its default and help (nanochat's names, plus ours at the end).
    public static func declare(_ f: Flags) {
        let d = TrainOptions()
        f.define("run", d.run, "wandb run name ('dummy' disables logging; wandb is not used here)")
        // Model architecture
        f.define("depth", "\(d.depth)", "depth of the Transformer model")
        f.define("aspect-ratio", "\(d.aspectRatio)", "model_dim = depth * aspect_ratio")
        f.define("head-dim", "\(d.headDim)", "target head dimension for attention")
        f.define("max-seq-len", "\(d.maxSeqLen)", "max context length")
        f.define("window-pattern", d.windowPattern, "sliding window pattern tiled across layers: L=full, S=quarter context (ceil to 128)")
        // Training horizon (only one used, in order of precedence)
        f.define("num-iterations", "\(d.numIterations)", "explicit number of optimization steps (-1 = disable)")
        f.define("target-flops", "\(d.targetFlops)", "calculate num_iterations to reach target_flops (-1 = disable)")
        f.define("target-param-data-ratio", "\(d.targetParamDataRatio)", "calculate num_iterations to maintain data:param ratio (-1 = disable)")
        // Optimization
        f.define("device-batch-size", "\(d.deviceBatchSize)", "per-rank batch size (rows of max-seq-len tokens)")
        f.define("total-batch-size", "\(d.totalBatchSize)", "total batch size in tokens (-1 = auto compute-optimal)")
        f.define("embedding-lr", "\(d.embeddingLr)", "learning rate for embedding parameters (Adam)")
        f.define("unembedding-lr", "\(d.unembeddingLr)", "learning rate for unembedding parameters (Adam)")
        f.define("weight-decay", "\(d.weightDecay)", "cautious weight decay for the Muon optimizer (for weights)")
        f.define("matrix-lr", "\(d.matrixLr)", "learning rate for matrix parameters (Muon)")
        f.define("scalar-lr", "\(d.scalarLr)", "learning rate for scalars (resid_lambdas, x0_lambdas)")
        f.define("warmup-steps", "\(d.warmupSteps)", "number of steps for LR warmup")
        f.define("warmdown-ratio", "\(d.warmdownRatio)", "ratio of iterations for LR warmdown")
        f.define("final-lr-frac", "\(d.finalLrFrac)", "final LR as fraction of initial LR")
        f.define("resume-from-step", "\(d.resumeFromStep)", "resume training from this step (-1 = disable, 'last' = newest checkpoint)")
        // Evaluation
        f.define("eval-every", "\(d.evalEvery)", "evaluate val bpb every N steps (-1 = disable)")
        f.define("eval-tokens", "\(d.evalTokens)", "number of tokens to evaluate val loss on")
        f.define("core-metric-every", "\(d.coreMetricEvery)", "evaluate CORE metric every N steps (-1 = disable)")
        f.define("core-metric-max-per-task", "\(d.coreMetricMaxPerTask)", "examples per task for CORE metric")
        f.define("sample-every", "\(d.sampleEvery)", "sample from model every N steps (-1 = disable)")
        f.define("save-every", "\(d.saveEvery)", "save checkpoints every N steps (-1 = only at end)")
        // Output
        f.define("model-tag", "None", "override model tag for checkpoint directory name (default d<depth>)")
        // NanoChat additions
        f.define("data-dir", d.dataDir, "data directory of shards (or one .parquet/.jsonl/.txt file); generated corpus if empty")
        f.define("tokenizer-dir", d.tokenizerDir, "tokenizer directory (tokenizer.tiktoken + tokenizer_config.json)")
        f.define("checkpoints-dir", d.checkpointsDir, "where model-tag directories of checkpoints live")
        f.define("bundle-dir", d.bundleDir, "CORE task bundle (for --core-metric-every)")
        f.define("threads", "0", "compute threads per rank (0 = all cores / ranks on this host)")
        f.define("seed", "\(d.seed)", "seed of weight init")
        f.define("init-from", "None", "start from this checkpoint's weights (model_*.safetensors or a checkpoint dir), fresh optimizer")
        f.define("keep-last", "\(d.keepLast)", "keep only the newest N checkpoints (-1 = keep all)")
    }

    public static func from(_ f: Flags) throws -> TrainOptions {
        var o = TrainOptions()
        o.run = f.string("run")
        o.depth = try f.int("depth"); o.aspectRatio = try f.int("aspect-ratio"); o.headDim = try f.int("head-dim")
        o.maxSeqLen = try f.int("max-seq-len"); o.windowPattern = f.string("window-pattern")
        o.numIterations = try f.int("num-iterations"); o.targetFlops = try f.double("target-flops")
        o.targetParamDataRatio = try f.double("target-param-data-ratio")
        o.deviceBatchSize = try f.int("device-batch-size"); o.totalBatchSize = try f.int("total-batch-size")
        o.embeddingLr = try f.double("embedding-lr"); o.unembeddingLr = try f.double("unembedding-lr")
        o.weightDecay = try f.double("weight-decay"); o.matrixLr = try f.double("matrix-lr"); o.scalarLr = try f.double("scalar-lr")
        o.warmupSteps = try f.int("warmup-steps"); o.warmdownRatio = try f.double("warmdown-ratio"); o.finalLrFrac = try f.double("final-lr-frac")
        o.resumeFromStep = f.string("resume-from-step") == "last" ? Int.max : try f.int("resume-from-step")
        o.evalEvery = try f.int("eval-every"); o.evalTokens = try f.int("eval-tokens")
        o.coreMetricEvery = try f.int("core-metric-every"); o.coreMetricMaxPerTask = try f.int("core-metric-max-per-task")
        o.sampleEvery = try f.int("sample-every"); o.saveEvery = try f.int("save-every")
        o.modelTag = f.optionalString("model-tag")
        o.dataDir = f.string("data-dir"); o.tokenizerDir = f.string("tokenizer-dir")
        o.checkpointsDir = f.string("checkpoints-dir"); o.bundleDir = f.string("bundle-dir")
        o.threads = try f.int("threads"); o.seed = try f.int("seed")
        o.initFrom = f.optionalString("init-from"); o.keepLast = try f.int("keep-last")
        guard o.depth > 0, o.maxSeqLen > 0, o.deviceBatchSize > 0 else {
            throw NanoChatError("base_train: --depth, --max-seq-len and --device-batch-size must be positive")
        }
        return o
    }

    /// user_config for the meta file: every option under nanochat's argparse name (§6), typed.
    public var userConfigJSON: JSONValue {
        func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        return .object([
            ("run", .string(run)), ("device_type", .string("cpu")), ("depth", .int(depth)), ("aspect_ratio", .int(aspectRatio)),
            ("head_dim", .int(headDim)), ("max_seq_len", .int(maxSeqLen)), ("window_pattern", .string(windowPattern)),
            ("num_iterations", .int(numIterations)), ("target_flops", .double(targetFlops)),
            ("target_param_data_ratio", .double(targetParamDataRatio)), ("device_batch_size", .int(deviceBatchSize)),
            ("total_batch_size", .int(totalBatchSize)), ("embedding_lr", .double(embeddingLr)),
            ("unembedding_lr", .double(unembeddingLr)), ("weight_decay", .double(weightDecay)),
            ("matrix_lr", .double(matrixLr)), ("scalar_lr", .double(scalarLr)), ("warmup_steps", .int(warmupSteps)),
            ("warmdown_ratio", .double(warmdownRatio)), ("final_lr_frac", .double(finalLrFrac)),
            ("resume_from_step", resumeFromStep == Int.max ? .string("last") : .int(resumeFromStep)),
            ("eval_every", .int(evalEvery)), ("eval_tokens", .int(evalTokens)), ("core_metric_every", .int(coreMetricEvery)),
            ("core_metric_max_per_task", .int(coreMetricMaxPerTask)), ("sample_every", .int(sampleEvery)),
            ("save_every", .int(saveEvery)), ("model_tag", opt(modelTag)), ("data_dir", .string(dataDir)),
            ("threads", .int(threads)), ("seed", .int(seed)), ("init_from", opt(initFrom)), ("keep_last", .int(keepLast)),
        ])
    }
}
