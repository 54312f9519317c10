import Foundation
import NanoChat

// chat_eval: nanochat's scripts/chat_eval.py — ARC-Easy, ARC-Challenge, MMLU (categorical), GSM8K and
// HumanEval (generative) on a chat (or base) checkpoint, ChatCORE when all five ran.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
let flags = Flags(program: "chat_eval", summary: "Evaluate a chat model on ARC-Easy, ARC-Challenge, MMLU, GSM8K, HumanEval; ChatCORE.")
flags.define("source", "", "which checkpoints: sft (chatsft_checkpoints), rl (chatrl_checkpoints) or base (base_checkpoints); required", short: "i",
             choices: ["", "sft", "rl", "base"])
flags.define("task-name", "", "tasks joined with | (default all: ARC-Easy|ARC-Challenge|MMLU|GSM8K|HumanEval)", short: "a")
flags.define("temperature", double: 0, "sampling temperature of the generative tasks (0 = greedy)", min: 0, max: 100, short: "t")
flags.define("max-new-tokens", int: 512, "tokens generated per answer", min: 1, max: 1 << 20, short: "m")
flags.define("num-samples", int: 1, "answers per generative problem; a problem passes if any does (pass@k)", min: 1, max: 1024, short: "n")
flags.define("top-k", int: 50, "top-k of sampling (0 = none)", min: 0, max: 1 << 20, short: "k")
flags.define("batch-size", int: 8, "problems per forward of the categorical tasks", min: 1, max: 4096, short: "b")
flags.define("model-tag", "", "checkpoint directory (default: the largest d<N>)", short: "g")
flags.define("step", int: nil, "checkpoint step (default: the last)", min: 0, short: "s")
flags.define("max-problems", int: nil, "problems per task, the first of nanochat's shuffled order (default all)", min: 1, short: "x")
flags.define("data-dir", "", "task files, laid out like ../shared/data (core/arc_*.jsonl, sft/mmlu/test/, sft/gsm8k_test.jsonl, sft/HumanEval.jsonl.gz) or flat (default $NANOCHAT_BASE_DIR/chat_eval_data, else ../shared/data)")
flags.define("checkpoints-dir", "", "default $NANOCHAT_BASE_DIR/chatsft_checkpoints or base_checkpoints by --source")
flags.define("tokenizer-dir", "", "default $NANOCHAT_BASE_DIR/tokenizer")
flags.define("threads", int: 0, "threads (0 = all cores, divided among the ranks of this node)", min: 0, max: 4096)
flags.define("dtype", "float32", "accepted for nanochat compatibility; always float32", short: "d", choices: ["float32", "bfloat16"])
flags.define("device-type", "", "accepted for nanochat compatibility; always CPU", choices: ["", "cpu"])

runMain {
    try flags.parse()
    guard let source = flags.optionalString("source") else {
        throw NanoChatError("chat_eval: -i/--source is required (sft, rl or base)")
    }
    var o = ChatEvalOptions()
    o.tasks = try ChatEvalTasks.parse(flags.optionalString("task-name"))
    o.dataDir = flags.optionalString("data-dir") ?? ChatEvalTasks.defaultDataDir
    if flags.isSet("data-dir") && !Paths.exists(o.dataDir) { throw NanoChatError(file: o.dataDir, "--data-dir does not exist") }
    o.temperature = try flags.double("temperature")
    o.maxNewTokens = try flags.int("max-new-tokens")
    o.numSamples = try flags.int("num-samples")
    o.topK = try flags.int("top-k")
    o.batchSize = try flags.int("batch-size")
    o.maxProblems = try flags.optionalInt("max-problems")
    o.outputDir = Paths.join(Paths.baseDir, "chat_eval")
    o.label = source

    for spec in o.tasks { _ = try ChatEvalTasks.path(of: spec, dataDir: o.dataDir) }   // a missing file fails before the model loads
    let dist = Distributed.setup()
    let threads = try flags.int("threads")
    Threads.configure(flag: threads, ranksOnHost: dist.localSize)
    let tokenizer = try Tokenizer.load(path: flags.optionalString("tokenizer-dir") ?? Paths.tokenizerDir)  // checked against the meta below
    let checkpoints = flags.optionalString("checkpoints-dir") ?? (["sft": Paths.sftCheckpointsDir, "rl": Paths.rlCheckpointsDir][source] ?? Paths.baseCheckpointsDir)
    if source == "sft" && (!Paths.exists(checkpoints) || CheckpointManager.completeSteps(checkpoints).isEmpty
                           && ((try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []).isEmpty) {
        throw NanoChatError(file: checkpoints, "no chat checkpoints (fine-tune one with chat_sft, or evaluate a base checkpoint with -i base)")
    }
    let ckpt = try CheckpointManager.loadModel(checkpointsDir: checkpoints, modelTag: flags.optionalString("model-tag"),
                                               step: try flags.optionalInt("step"))
    let tokDir = flags.optionalString("tokenizer-dir") ?? Paths.tokenizerDir
    try tokenizer.checkMatches(meta: ckpt.meta, metaFile: CheckpointManager.metaPath(ckpt.dir, ckpt.step), tokenizerPath: tokDir)
    try ModelSize.check(ckpt.model.config, rows: o.batchSize * ckpt.model.config.sequenceLen, training: false, ranksOnHost: dist.localSize,
                        what: "chat_eval --batch-size=\(o.batchSize) on \(ckpt.dir)")
    print0("Evaluating \(source) model (step \(ckpt.step)) from \(ckpt.dir) | tasks: \(o.tasks.map(\.name).joined(separator: "|")) | data: \(o.dataDir)")
    let results = try ChatEvalRunner.run(model: ckpt.model, tokenizer: tokenizer, options: o, dist: dist)
    print0("")
    print0(ChatEvalReport.table(results))
    if dist.isMaster {
        let csv = try ChatEvalReport.write(results, dir: o.outputDir!, label: source,
                                           title: "Chat evaluation \(source) (\(ckpt.dir), step \(ckpt.step))")
        print0("Results: \(csv) (+ .md); per-problem answers: \(Paths.join(o.outputDir!, "\(source)_<task>.jsonl"))")
    }
    if let core = ChatEvalReport.chatCORE(results) { print0(String(format: "ChatCORE metric: %.4f", core)) }
}
