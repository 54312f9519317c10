import Foundation

/// chat_eval's driver: each requested task loaded, put in nanochat's order, cut to the problem limit,
/// split across ranks, scored (categorical by one batched forward per batch, generative with the
/// Engine), summed over ranks, and written per problem as JSONL.
public struct ChatEvalOptions {
    public var tasks: [ChatEvalTaskSpec] = ChatEvalTasks.all
    public var dataDir: String = ChatEvalTasks.defaultDataDir
    public var temperature = 0.0
    public var maxNewTokens = 512
    public var numSamples = 1
    public var topK = 50
    public var batchSize = 8
    /// nanochat's `-x`: problems per task (nil = all).
    public var maxProblems: Int? = nil
    /// chat_sft's `--chatcore-max-cat` / `--chatcore-max-sample` (nil = all), applied after `maxProblems`.
    public var maxCategorical: Int? = nil
    public var maxGenerative: Int? = nil
    /// Where the per-problem JSONL go (nil = not written), named `<label>_<task>.jsonl`.
    public var outputDir: String? = nil
    public var label = "sft"
    /// Sampling seed of every generation (nanochat's Engine default).
    public var seed: UInt64 = 42
    public init() {}
}

public struct ChatEvalResult {
    public let spec: ChatEvalTaskSpec
    public let passed: Int, total: Int
    public let seconds: Double
    /// Why the task did not run (HumanEval without python3); accuracy is then nil.
    public let skipped: String?
    public var accuracy: Double? { skipped == nil && total > 0 ? Double(passed) / Double(total) : nil }
    public var centered: Double? { accuracy.map { ChatEvalTasks.centered(spec, $0) } }
}

public enum ChatEvalRunner {
    /// Runs every task of `options` in order; prints nanochat's per-task lines on rank 0.
    public static func run(model: LanguageModel, tokenizer: Tokenizer, options o: ChatEvalOptions,
                           dist: Distributed, log: (String) -> Void = { print0($0) }) throws -> [ChatEvalResult] {
        guard o.numSamples > 0 else { throw NanoChatError("--num-samples must be positive, got \(o.numSamples)") }
        guard o.maxNewTokens > 0 else { throw NanoChatError("--max-new-tokens must be positive, got \(o.maxNewTokens)") }
        guard o.temperature >= 0, o.temperature.isFinite else { throw NanoChatError("--temperature must be ≥ 0, got \(o.temperature)") }
        guard o.topK >= 0 else { throw NanoChatError("--top-k must be ≥ 0, got \(o.topK)") }
        // load every task first, so a missing or malformed file stops the run before any model time is spent
        let loaded = try o.tasks.map { ($0, try ChatEvalTasks.load($0, dataDir: o.dataDir)) }
        let engine = Sampling.engine(model: model, tokenizer: tokenizer)
        var sandbox: PythonSandbox? = nil
        if o.tasks.contains(where: { $0.name == "HumanEval" }) { sandbox = PythonSandbox() }
        var results: [ChatEvalResult] = []
        for (spec, task) in loaded {
            if spec.name == "HumanEval" && sandbox == nil {
                log("HumanEval: skipped (python3 not found on PATH; the programs cannot be run)")
                results.append(ChatEvalResult(spec: spec, passed: 0, total: 0, seconds: 0, skipped: "no python3"))
                continue
            }
            var problems = task.count
            if let x = o.maxProblems { problems = min(problems, x) }
            if let x = spec.kind == .categorical ? o.maxCategorical : o.maxGenerative { problems = min(problems, x) }
            let order = ChatEvalTasks.order(count: task.count)
            var jsonl: ChatEvalJSONL? = nil
            if let dir = o.outputDir {
                let suffix = dist.rank == 0 ? "" : "_rank\(dist.rank)"
                jsonl = try ChatEvalJSONL(path: Paths.join(dir, "\(o.label)_\(spec.slug)\(suffix).jsonl"))
            }
            var progress = Progress(spec.name, total: problems, unit: "problems")
            // done / passed of this rank's share, scaled to the whole task
            let showProgress: (Int, Int) -> Void = { done, passed in
                progress.update(min(problems, done * dist.worldSize),
                                detail: String(format: "%.1f%% right", 100 * Double(passed) / Double(max(done, 1))))
            }
            let start = now()
            var counts: (passed: Int, total: Int)
            switch spec.kind {
            case .categorical:
                guard let mc = task as? MultipleChoiceTask else { throw NanoChatError("\(spec.name) is not a multiple-choice task") }
                counts = try CategoricalEval.run(task: mc, order: order, problems: problems, batchSize: o.batchSize, tokenizer: tokenizer,
                                                 rank: dist.rank, worldSize: dist.worldSize,
                                                 logits: { try engine.logits(rows: $0, positions: $1) },
                                                 record: { jsonl?.write($0) },
                                                 progress: showProgress)
            case .generative:
                let judge: GenerativeEval.Judge
                let reference: (Int) -> String
                if let gsm = task as? GSM8K {
                    judge = GenerativeEval.gsm8kJudge(gsm)
                    reference = { gsm.referenceAnswer(at: $0) ?? "" }
                } else if let he = task as? HumanEval, let sandbox {
                    judge = GenerativeEval.humanEvalJudge(he, sandbox: sandbox)
                    reference = { he.problems[$0].entryPoint }
                } else {
                    throw NanoChatError("\(spec.name) has no judge")
                }
                counts = try GenerativeEval.run(task: task, order: order, problems: problems, tokenizer: tokenizer,
                                                rank: dist.rank, worldSize: dist.worldSize, reference: reference,
                                                generate: { prompt in
                                                    try engine.generateBatch(tokens: prompt, numSamples: o.numSamples, maxTokens: o.maxNewTokens,
                                                                             temperature: o.temperature, topK: o.topK, seed: o.seed)
                                                        .results.map { Array($0.dropFirst(prompt.count)) }
                                                },
                                                judge: judge, record: { jsonl?.write($0) },
                                                progress: showProgress)
            }
            progress.clear()
            try jsonl?.finish()
            let passed = Int(dist.allReduceSum(Double(counts.passed)).rounded())
            let total = Int(dist.allReduceSum(Double(counts.total)).rounded())
            let seconds = dist.allReduceMax(now() - start)
            let result = ChatEvalResult(spec: spec, passed: passed, total: total, seconds: seconds, skipped: nil)
            log(String(format: "Final: %d/%d (%.2f%%)", passed, total, 100 * (result.accuracy ?? 0)))
            log(String(format: "%@ accuracy: %.2f%%", spec.name, 100 * (result.accuracy ?? 0)))
            results.append(result)
        }
        return results
    }

    /// Accuracy by task name of the tasks that ran.
    public static func accuracies(_ results: [ChatEvalResult]) -> [String: Double] {
        var out: [String: Double] = [:]
        for r in results { if let a = r.accuracy { out[r.spec.name] = a } }
        return out
    }
}
