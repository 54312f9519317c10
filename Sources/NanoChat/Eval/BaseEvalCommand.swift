import Foundation

/// base_eval's flags (nanochat's scripts/base_eval.py names, plus `--text` and the data paths). Evaluation
/// sizes are CPU-sized (`BaseEval.Options`), about a minute for a d4 on 2 idle cores; nanochat's GPU defaults
/// are --device-batch-size=32 --split-tokens=20971520 --max-per-task=-1.
public struct BaseEvalOptions: ToolOptions {
    /// `--step=best`: base_train --save-best's checkpoint.
    public static let bestStep = Int.min
    /// nil = the default modes, where a missing bundle or data skips its mode; given = each named mode must run.
    public var eval: String? = nil
    public var text: String? = nil
    public var modelTag: String? = nil
    public var step: Int? = nil
    public var checkpointsDir = Paths.baseCheckpointsDir
    public var tokenizerDir = Paths.tokenizerDir
    public var maxPerTask = BaseEval.Options().maxPerTask
    public var deviceBatchSize = BaseEval.Options().deviceBatchSize
    public var splitTokens = BaseEval.Options().splitTokens
    public var bundleDir: String? = nil
    public var dataDir = Paths.baseDataDir
    public var threads = 0
    public var dtype = "float32"
    public var deviceType = ""

    public init() {}
    public static let program = "base_eval"
    public static let summary = "Evaluate a base model: samples, bits per byte (train/val), CORE; or the bpb of a text file."
    public static let fields: [OptionField<BaseEvalOptions>] = [
        // What to run
        .givenString("eval", \.eval, "comma-separated evaluations: core, bpb, sample", shown: "core,bpb,sample"),
        .optionalString("text", \.text, "bits per byte of this UTF-8 file as one document (only this unless --eval is also given)", unset: ""),
        // Which model
        .modelTag(\.modelTag, "checkpoint directory under base_checkpoints (default: the largest d<N>)", unset: ""),
        .checkpointStep(\.step, "checkpoint step (default: the last; 'best' = base_train --save-best's)", words: ["best": bestStep]),
        .checkpointsDir(\.checkpointsDir, "base checkpoints (model-tag directories)"),
        .tokenizerDir(\.tokenizerDir),
        // Evaluation sizes and data
        .int("max-per-task", \.maxPerTask, "examples per CORE task (-1 = all)", min: 1, also: [-1]),
        .int("device-batch-size", \.deviceBatchSize, "rows per forward for bits per byte", min: 1, max: 1 << 16),
        .int("split-tokens", \.splitTokens, "tokens per split for bits per byte (rounded down to a multiple of B·T·ranks)", min: 1),
        .optionalString("bundle-dir", \.bundleDir, "CORE task bundle: nanochat's eval_bundle or ../shared/data/core (default $NANOCHAT_BASE_DIR/eval_bundle, else the subset in data/core)", unset: ""),
        .string("data-dir", \.dataDir, "pretraining shards for bits per byte"),
        .threads(\.threads),
        .dtype(\.dtype, "weight storage: float32, or bfloat16 (matrices and lm_head rounded to bf16, math in fp32; every mode uses the rounded weights)"),
        .deviceType(\.deviceType, choices: ["", "cpu"]),
    ]
}

/// base_eval (nanochat's scripts/base_eval.py): samples, bits per byte on train/val and the CORE benchmark of
/// a base checkpoint; or, with --text=FILE, the bits per byte of one text file. A missing CORE bundle or
/// pretraining data skips that mode with one line, unless --eval named it.
public enum BaseEvalCommand {
    public static func run(_ options: BaseEvalOptions, dist: Distributed) throws {
        var o = BaseEval.Options()
        o.modes = try BaseEval.Options.parseModes(options.eval ?? "core,bpb,sample")
        o.textFile = options.text
        let named = options.eval != nil
        if o.textFile != nil && !named { o.modes = [] }
        o.maxPerTask = options.maxPerTask
        o.deviceBatchSize = options.deviceBatchSize
        o.splitTokens = options.splitTokens
        o.bundleDir = options.bundleDir ?? Paths.evalBundleDir
        let dataDir = options.dataDir

        let loaded = try ModelLoader.load(checkpointsDir: options.checkpointsDir, modelTag: options.modelTag,
                                          step: options.step == BaseEvalOptions.bestStep ? nil : options.step,
                                          best: options.step == BaseEvalOptions.bestStep, tokenizerDir: options.tokenizerDir,
                                          sequences: o.deviceBatchSize, ranksOnHost: dist.localSize,
                                          what: "base_eval --device-batch-size=\(o.deviceBatchSize)")
        let model = loaded.model, tokenizer = loaded.tokenizer
        if options.dtype == "bfloat16" { model.storeMatricesBF16() }   // bpb and CORE run the training forward on the rounded values
        if o.modes.contains("core") && options.bundleDir == nil && !Paths.exists(Paths.join(o.bundleDir, "core.yaml")) {
            // nanochat's base_eval fetches eval_bundle.zip when eval_bundle/ is missing (rank 0; the others wait)
            if dist.isMaster, let why = EvalBundleDownload.fetch(into: o.bundleDir) { print0("eval_bundle.zip not available: \(why)") }
            dist.barrier()
            // offline: the CORE subset bundled in data/core, said on one line
            let (dir, note) = BaseEval.defaultBundleDir(evalBundle: o.bundleDir)
            o.bundleDir = dir
            if let n = note { print0(n) }
        }
        if o.modes.contains("core") && !Paths.exists(Paths.join(o.bundleDir, "core.yaml")) && !named {
            print0("No CORE task bundle at \(o.bundleDir) (core.yaml missing): skipping CORE; pass --bundle-dir=DIR to run it")
            o.modes.remove("core")
        } else if o.modes.contains("core") && !Paths.exists(Paths.join(o.bundleDir, "core.yaml")) {
            throw NanoChatError(file: o.bundleDir, "no CORE task bundle (core.yaml missing): pass --bundle-dir=DIR (nanochat's eval_bundle, or a flat core.yaml directory like ../shared/data/core) or leave core out of --eval")
        }
        if o.modes.contains("bpb") && !Paths.exists(dataDir) {
            if named { throw NanoChatError(file: dataDir, "no pretraining data for bits per byte: pass --data-dir=DIR or leave bpb out of --eval") }
            print0("No pretraining data at \(dataDir): skipping bits per byte; pass --data-dir=DIR to run it")
            o.modes.remove("bpb")
        }
        print0("Evaluating model: base_model (step \(loaded.step), \(model.weightDType)) from \(loaded.dir) | Modes: \(o.modes.sorted().joined(separator: ","))\(o.textFile.map { " | text: \($0)" } ?? "")")
        _ = try BaseEval.run(model: model, tokenizer: tokenizer, step: loaded.step, options: o, dist: dist) { split, B, T in
            let source = try DocumentSource(path: dataDir)
            let loader = try DataLoader(tokenizer: tokenizer, source: source, B: B, T: T, split: split,
                                        rank: dist.rank, worldSize: dist.worldSize)
            return { let b = try loader.next(); return (b.inputs, b.targets) }
        }
    }
}
