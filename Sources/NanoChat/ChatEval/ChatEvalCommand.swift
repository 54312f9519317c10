import Foundation

/// chat_eval's flags (nanochat's scripts/chat_eval.py names and short options, plus the data paths).
public struct ChatEvalCommandOptions: ToolOptions {
    public var checkpoint = CheckpointChoice(source: "")
    public var taskName: String? = nil
    /// the sampling and size flags, with ChatEvalRunner's defaults (tasks, data dir and output are set by `evalOptions`)
    public var eval = ChatEvalOptions()
    public var dataDir: String? = nil
    public var checkpointsDir: String? = nil
    public var tokenizerDir = Paths.tokenizerDir
    public var threads = 0
    public var dtype = "float32"
    public var deviceType = ""

    public init() {}
    public static let program = "chat_eval"
    public static let summary = "Evaluate a chat model on ARC-Easy, ARC-Challenge, MMLU, GSM8K, HumanEval; ChatCORE."
    public static let fields: [OptionField<ChatEvalCommandOptions>] = OptionField.checkpoint(\ChatEvalCommandOptions.checkpoint, required: true) + [
        .optionalString("task-name", \.taskName, "tasks joined with | (default all: ARC-Easy|ARC-Challenge|MMLU|GSM8K|HumanEval)", short: "a", unset: ""),
        .double("temperature", \.eval.temperature, "sampling temperature of the generative tasks (0 = greedy)", min: 0, max: 100, short: "t"),
        .int("max-new-tokens", \.eval.maxNewTokens, "tokens generated per answer", min: 1, max: 1 << 20, short: "m"),
        .int("num-samples", \.eval.numSamples, "answers per generative problem; a problem passes if any does (pass@k)", min: 1, max: 1024, short: "n"),
        .int("top-k", \.eval.topK, "top-k of sampling (0 = none)", min: 0, max: 1 << 20, short: "k"),
        .int("batch-size", \.eval.batchSize, "problems per forward of the categorical tasks", min: 1, max: 4096, short: "b"),
        .optionalInt("max-problems", \.eval.maxProblems, "problems per task, the first of nanochat's shuffled order (default all)", min: 1, short: "x"),
        .optionalString("data-dir", \.dataDir, "task files, laid out like ../shared/data (core/arc_*.jsonl, sft/mmlu/test/, sft/gsm8k_test.jsonl, sft/HumanEval.jsonl.gz) or flat (default $NANOCHAT_BASE_DIR/chat_eval_data, else ../shared/data)", unset: ""),
        .optionalString("checkpoints-dir", \.checkpointsDir, "default $NANOCHAT_BASE_DIR/chatsft_checkpoints or base_checkpoints by --source", unset: ""),
        .tokenizerDir(\.tokenizerDir),
        .threads(\.threads),
        .dtype(\.dtype),
        .deviceType(\.deviceType, choices: ["", "cpu"]),
    ]
}

/// chat_eval (nanochat's scripts/chat_eval.py): ARC-Easy, ARC-Challenge, MMLU (categorical), GSM8K and
/// HumanEval (generative) on a chat (or base) checkpoint; ChatCORE when all five ran. Missing task files fail
/// before the model loads.
public enum ChatEvalCommand {
    /// The evaluation settings and the checks that need no model (source given, tasks known, their files there).
    public static func evalOptions(_ options: ChatEvalCommandOptions) throws -> ChatEvalOptions {
        guard !options.checkpoint.source.isEmpty else { throw NanoChatError("chat_eval: -i/--source is required (sft, rl or base)") }
        var o = options.eval
        o.tasks = try ChatEvalTasks.parse(options.taskName)
        o.dataDir = options.dataDir ?? ChatEvalTasks.defaultDataDir
        if options.dataDir != nil && !Paths.exists(o.dataDir) { throw NanoChatError(file: o.dataDir, "--data-dir does not exist") }
        o.outputDir = Paths.join(Paths.baseDir, "chat_eval")
        o.label = options.checkpoint.source
        for spec in o.tasks { _ = try ChatEvalTasks.path(of: spec, dataDir: o.dataDir) }   // a missing file fails before the model loads
        return o
    }

    public static func run(_ options: ChatEvalCommandOptions, dist: Distributed) throws {
        let o = try evalOptions(options)
        let source = options.checkpoint.source
        let checkpoints = try options.checkpointsDir ?? ModelLoader.checkpointsDir(source: source)
        if source == "sft" && (!Paths.exists(checkpoints) || CheckpointManager.completeSteps(checkpoints).isEmpty
                               && ((try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []).isEmpty) {
            throw NanoChatError(file: checkpoints, "no chat checkpoints (fine-tune one with chat_sft, or evaluate a base checkpoint with -i base)")
        }
        let loaded = try ModelLoader.load(checkpointsDir: checkpoints, modelTag: options.checkpoint.modelTag, step: options.checkpoint.step,
                                          tokenizerDir: options.tokenizerDir, sequences: o.batchSize, ranksOnHost: dist.localSize,
                                          what: "chat_eval --batch-size=\(o.batchSize)")
        if options.dtype == "bfloat16" { loaded.model.storeMatricesBF16() }
        print0("Evaluating \(source) model (step \(loaded.step), \(loaded.model.weightDType)) from \(loaded.dir) | tasks: \(o.tasks.map(\.name).joined(separator: "|")) | data: \(o.dataDir)")
        let results = try ChatEvalRunner.run(model: loaded.model, tokenizer: loaded.tokenizer, options: o, dist: dist)
        print0("")
        print0(ChatEvalReport.table(results))
        if dist.isMaster {
            let csv = try ChatEvalReport.write(results, dir: o.outputDir!, label: source,
                                               title: "Chat evaluation \(source) (\(loaded.dir), step \(loaded.step))")
            print0("Results: \(csv) (+ .md); per-problem answers: \(Paths.join(o.outputDir!, "\(source)_<task>.jsonl"))")
        }
        if let core = ChatEvalReport.chatCORE(results) { print0(String(format: "ChatCORE metric: %.4f", core)) }
    }
}
