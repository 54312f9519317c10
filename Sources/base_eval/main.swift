import Foundation
import NanoChat

// base_eval: evaluate a base checkpoint (scripts/base_eval.py) — samples, bits per byte on train/val, the CORE
// benchmark; or, with --text=FILE, the bits per byte of one text file.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
let flags = Flags(program: "base_eval", summary: "Evaluate a base model: samples, bits per byte (train/val), CORE; or the bpb of a text file.")
// What to run
flags.define("eval", "core,bpb,sample", "comma-separated evaluations: core, bpb, sample")
flags.define("text", "", "bits per byte of this UTF-8 file as one document (only this unless --eval is also given)")
// Which model
flags.define("model-tag", "", "checkpoint directory under base_checkpoints (default: the largest d<N>)")
flags.define("step", int: nil, "checkpoint step (default: the last; 'best' = base_train --save-best's)", min: 0, also: ["best"])
flags.define("checkpoints-dir", "", "default $NANOCHAT_BASE_DIR/base_checkpoints")
flags.define("tokenizer-dir", "", "default $NANOCHAT_BASE_DIR/tokenizer")
// Evaluation sizes and data: CPU-sized defaults (BaseEval.Options), about a minute for a d4 on 2 idle cores;
// nanochat's GPU defaults are --device-batch-size=32 --split-tokens=20971520 --max-per-task=-1
flags.define("max-per-task", int: BaseEval.Options().maxPerTask, "examples per CORE task (-1 = all)", min: 1, also: ["-1"])
flags.define("device-batch-size", int: BaseEval.Options().deviceBatchSize, "rows per forward for bits per byte", min: 1, max: 1 << 16)
flags.define("split-tokens", int: BaseEval.Options().splitTokens, "tokens per split for bits per byte (rounded down to a multiple of B·T·ranks)", min: 1)
flags.define("bundle-dir", "", "CORE task bundle: nanochat's eval_bundle or ../shared/data/core (default $NANOCHAT_BASE_DIR/eval_bundle, else the subset in data/core)")
flags.define("data-dir", "", "pretraining shards for bits per byte (default $NANOCHAT_BASE_DIR/base_data)")
flags.define("threads", int: 0, "threads (0 = all cores, divided among the ranks of this node)", min: 0, max: 4096)
flags.define("device-type", "", "accepted for nanochat compatibility; always CPU", choices: ["", "cpu"])

runMain {
    try flags.parse()
    let dist = Distributed.setup()
    let threads = try flags.int("threads")
    Threads.configure(flag: threads, ranksOnHost: dist.localSize)

    var o = BaseEval.Options()
    o.modes = try BaseEval.Options.parseModes(flags.string("eval"))
    o.textFile = flags.optionalString("text")
    if o.textFile != nil && !flags.isSet("eval") { o.modes = [] }
    o.maxPerTask = try flags.int("max-per-task")
    o.deviceBatchSize = try flags.int("device-batch-size")
    o.splitTokens = try flags.int("split-tokens")
    o.bundleDir = flags.optionalString("bundle-dir") ?? Paths.evalBundleDir
    let dataDir = flags.optionalString("data-dir") ?? Paths.baseDataDir

    let tokDir = flags.optionalString("tokenizer-dir") ?? Paths.tokenizerDir
    let tokenizer = try Tokenizer.load(path: tokDir)
    let ckpt = try CheckpointManager.loadModel(checkpointsDir: flags.optionalString("checkpoints-dir") ?? Paths.baseCheckpointsDir,
                                               modelTag: flags.optionalString("model-tag"),
                                               step: flags.string("step") == "best" ? nil : try flags.optionalInt("step"),
                                               best: flags.string("step") == "best")
    let model = ckpt.model
    try tokenizer.checkMatches(meta: ckpt.meta, metaFile: CheckpointManager.metaPath(ckpt.dir, ckpt.step), tokenizerPath: tokDir)
    try ModelSize.check(model.config, rows: o.deviceBatchSize * model.config.sequenceLen, training: false, ranksOnHost: dist.localSize,
                        what: "base_eval --device-batch-size=\(o.deviceBatchSize) on \(ckpt.dir)")
    if o.modes.contains("core") && !flags.isSet("bundle-dir") && !Paths.exists(Paths.join(o.bundleDir, "core.yaml")) {
        // nanochat's base_eval fetches eval_bundle.zip when eval_bundle/ is missing (rank 0; the others wait)
        if dist.isMaster, let why = EvalBundleDownload.fetch(into: o.bundleDir) { print0("eval_bundle.zip not available: \(why)") }
        dist.barrier()
        // offline: the CORE subset bundled in data/core, said on one line
        let (dir, note) = BaseEval.defaultBundleDir(evalBundle: o.bundleDir)
        o.bundleDir = dir
        if let n = note { print0(n) }
    }
    if o.modes.contains("core") && !Paths.exists(Paths.join(o.bundleDir, "core.yaml")) && !flags.isSet("eval") {
        print0("No CORE task bundle at \(o.bundleDir) (core.yaml missing): skipping CORE; pass --bundle-dir=DIR to run it")
        o.modes.remove("core")
    } else if o.modes.contains("core") && !Paths.exists(Paths.join(o.bundleDir, "core.yaml")) {
        throw NanoChatError(file: o.bundleDir, "no CORE task bundle (core.yaml missing): pass --bundle-dir=DIR (nanochat's eval_bundle, or a flat core.yaml directory like ../shared/data/core) or leave core out of --eval")
    }
    if o.modes.contains("bpb") && !Paths.exists(dataDir) {
        if flags.isSet("eval") { throw NanoChatError(file: dataDir, "no pretraining data for bits per byte: pass --data-dir=DIR or leave bpb out of --eval") }
        print0("No pretraining data at \(dataDir): skipping bits per byte; pass --data-dir=DIR to run it")
        o.modes.remove("bpb")
    }
    print0("Evaluating model: base_model (step \(ckpt.step)) from \(ckpt.dir) | Modes: \(o.modes.sorted().joined(separator: ","))\(o.textFile.map { " | text: \($0)" } ?? "")")
    _ = try BaseEval.run(model: model, tokenizer: tokenizer, step: ckpt.step, options: o, dist: dist) { split, B, T in
        let source = try DocumentSource(path: dataDir)
        let loader = try DataLoader(tokenizer: tokenizer, source: source, B: B, T: T, split: split,
                                    rank: dist.rank, worldSize: dist.worldSize)
        return { let b = try loader.next(); return (b.inputs, b.targets) }
    }
}
