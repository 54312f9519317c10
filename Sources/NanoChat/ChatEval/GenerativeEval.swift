/// nanochat's `run_generative_eval`: one problem at a time, `numSamples` completions sampled by the
/// Engine (calculator live), each judged by the task; a problem passes if any sample passes (pass@k).
public enum GenerativeEval {
    /// Prompt → the completions' token ids (after the prompt, without the terminal token).
    public typealias GenerateFunction = (_ prompt: [Int32]) throws -> [[Int32]]
    /// (task row, completion text) → (the answer shown in the JSONL, passed).
    public typealias Judge = (_ row: Int, _ completion: String) throws -> (answer: String, passed: Bool)

    /// Scores positions rank, rank + world, … below `problems`. Returns this rank's (passed, total).
    public static func run(task: ChatTask, order: [Int], problems: Int, tokenizer: Tokenizer,
                           rank: Int = 0, worldSize: Int = 1, reference: (Int) -> String,
                           generate: GenerateFunction, judge: Judge,
                           record: (ChatEvalRecord) -> Void = { _ in },
                           progress: (_ done: Int, _ passed: Int) -> Void = { _, _ in }) throws -> (passed: Int, total: Int) {
        var passed = 0, total = 0
        for i in stride(from: rank, to: problems, by: worldSize) {
            let row = order[i]
            let conversation = try task.conversation(at: row)
            let prompt = try tokenizer.renderForCompletion(conversation)
            let completions = try generate(prompt).map { tokenizer.decode($0) }
            let judged = try completions.map { try judge(row, $0) }
            let ok = judged.contains { $0.passed }
            passed += ok ? 1 : 0; total += 1
            record(ChatEvalRecord(task: task.name, index: i, row: row, source: conversation.source, promptIds: prompt,
                                  reference: reference(row), answers: judged.map(\.answer), completions: completions,
                                  outcomes: judged.map(\.passed), correct: ok))
            progress(total, passed)
        }
        return (passed, total)
    }

    /// nanochat's GSM8K judge: the number after `#### ` in the completion equals the reference's.
    public static func gsm8kJudge(_ task: GSM8K) -> Judge {
        { row, completion in
            let predicted = extractAnswer(completion)
            return (predicted ?? "", predicted == task.referenceAnswer(at: row))
        }
    }

    /// HumanEval's judge: the program runs clean in the sandbox.
    public static func humanEvalJudge(_ task: HumanEval, sandbox: PythonSandbox) -> Judge {
        { row, completion in
            let outcome = try sandbox.run(task.program(at: row, completion: completion))
            return (outcome.success ? "passed" : outcome.timedOut ? "timed out" : "failed: \(outcome.error)", outcome.success)
        }
    }
}
