import Foundation

/// ChatCORE during chat_sft (scripts/chat_sft.py: "estimate the ChatCORE metric"): the five chat_eval tasks,
/// greedy, categorical ones cut to `--chatcore-max-cat` problems and generative ones to `--chatcore-max-sample`,
/// every `--chatcore-every` steps (not at step 0) and at the end; all ranks take part.
public struct SFTChatCore {
    public let every: Int
    public let maxCategorical: Int?
    public let maxSample: Int?
    /// Where the task files are; nil = ChatCORE is off (disabled, or the default directory lacks them).
    public let dataDir: String?

    /// Checks the task files before training: a missing one is an error when `--chatcore-data-dir` was given,
    /// else one note and ChatCORE stays off (a fresh clone without the eval data still fine-tunes).
    public init(options o: SFTOptions) throws {
        every = o.chatcoreEvery
        maxCategorical = o.chatcoreMaxCat < 0 ? nil : o.chatcoreMaxCat
        maxSample = o.chatcoreMaxSample < 0 ? nil : o.chatcoreMaxSample
        guard every > 0 else { dataDir = nil; return }
        let dir = o.chatcoreDataDir ?? ChatEvalTasks.defaultDataDir
        do {
            for spec in ChatEvalTasks.all { _ = try ChatEvalTasks.path(of: spec, dataDir: dir) }
            dataDir = dir
        } catch {
            if o.chatcoreDataDir != nil { throw error }
            print0("NOTE: ChatCORE is skipped: \(error) — pass --chatcore-data-dir=DIR, or --chatcore-every=-1 to silence this")
            dataDir = nil
        }
    }

    /// nanochat's cadence: `chatcore_every > 0 and (last_step or (step > 0 and step % chatcore_every == 0))`.
    public func isDue(step: Int, last: Bool) -> Bool {
        dataDir != nil && every > 0 && (last || (step > 0 && step % every == 0))
    }

    /// Runs the tasks, prints nanochat's lines (`  <task>: xx.xx%` each, then `Step N | ChatCORE: … | ChatCORE_cat: …`)
    /// and returns the train_log.jsonl fields: `chatcore`, `chatcore_cat`, `chatcore_<task>` (accuracy).
    public func evaluate(step: Int, model: LanguageModel, tokenizer: Tokenizer, batchSize: Int,
                         dist: Distributed) throws -> [(String, Double?)] {
        guard let dataDir else { return [] }
        let r = try ChatCore.evaluate(model: model, tokenizer: tokenizer, dataDir: dataDir, maxCategorical: maxCategorical,
                                      maxSample: maxSample, batchSize: batchSize, dist: dist)
        func show(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }
        let why = r.chatCORE == nil ? " (a task was skipped: " + r.results.compactMap { res in res.skipped.map { "\(res.spec.name): \($0)" } }.joined(separator: ", ") + ")" : ""
        print0(String(format: "Step %05d | ChatCORE: %@ | ChatCORE_cat: %@%@", step, show(r.chatCORE), show(r.chatCORECategorical), why))
        return [("chatcore", r.chatCORE), ("chatcore_cat", r.chatCORECategorical)]
            + r.results.map { ("chatcore_\($0.spec.slug)", $0.accuracy) }
    }
}
