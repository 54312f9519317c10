/// ChatCORE during chat_sft (nanochat's `--chatcore-every`): all five tasks, greedy, categorical tasks
/// cut to `maxCategorical` problems and generative ones to `maxSample` (nil = all), every rank taking part.
///
/// In chat_sft's eval hook, at `last || (chatcoreEvery > 0 && step % chatcoreEvery == 0)` (nanochat skips it
/// entirely when `--chatcore-every <= 0`):
///
///     let r = try ChatCore.evaluate(model: model, tokenizer: tokenizer, maxCategorical: maxCat < 0 ? nil : maxCat,
///                                   maxSample: maxSample < 0 ? nil : maxSample, batchSize: deviceBatchSize, dist: dist)
///     print0(String(format: "Step %05d | ChatCORE: %.4f | ChatCORE_cat: %.4f", step, r.chatCORE ?? .nan, r.chatCORECategorical ?? .nan))
///
/// Check the task files up front (`ChatEvalTasks.path(of:dataDir:)` for each of `ChatEvalTasks.all`) so a
/// missing file stops the run before training, not at the end.
public enum ChatCore {
    public struct Result {
        public let results: [ChatEvalResult]
        public var accuracies: [String: Double] { ChatEvalRunner.accuracies(results) }
        /// nil when a task was skipped (HumanEval without python3).
        public var chatCORE: Double? { ChatEvalTasks.chatCORE(accuracies) }
        public var chatCORECategorical: Double? { ChatEvalTasks.chatCORECategorical(accuracies) }
    }

    /// Prints `  <task>: xx.xx%` per task on rank 0, as nanochat's chat_sft.
    public static func evaluate(model: LanguageModel, tokenizer: Tokenizer, dataDir: String? = nil,
                                maxCategorical: Int? = nil, maxSample: Int? = 24, batchSize: Int = 8,
                                maxNewTokens: Int = 512, dist: Distributed) throws -> Result {
        var o = ChatEvalOptions()
        if let dataDir { o.dataDir = dataDir }
        o.maxCategorical = maxCategorical
        o.maxGenerative = maxSample
        o.batchSize = batchSize
        o.maxNewTokens = maxNewTokens
        let results = try ChatEvalRunner.run(model: model, tokenizer: tokenizer, options: o, dist: dist, log: { _ in })
        for r in results {
            print0(r.accuracy.map { String(format: "  %@: %.2f%%", r.spec.name, 100 * $0) } ?? "  \(r.spec.name): skipped (\(r.skipped ?? ""))")
        }
        return Result(results: results)
    }
}
