/// nanochat's `run_categorical_eval`: batches of problems rendered for completion, right-padded with
/// `<|bos|>`, one forward, and the answer = the choice letter whose token has the largest logit at the
/// last prompt position (the model is only asked to rank the letters it was offered).
public enum CategoricalEval {
    /// Logits at one position of each padded row: (rows, positions) → [rows][vocab].
    public typealias LogitsFunction = (_ rows: [[Int32]], _ positions: [Int]) throws -> [[Float]]

    /// Scores positions 0..<problems of `order` (position i = task row order[i]); this rank takes batches
    /// rank, rank + world, …, as nanochat. Returns this rank's (passed, total).
    public static func run(task: MultipleChoiceTask, order: [Int], problems: Int, batchSize: Int, tokenizer: Tokenizer,
                           rank: Int = 0, worldSize: Int = 1, logits: LogitsFunction,
                           record: (ChatEvalRecord) -> Void = { _ in },
                           progress: (_ done: Int, _ passed: Int) -> Void = { _, _ in }) throws -> (passed: Int, total: Int) {
        guard batchSize > 0 else { throw NanoChatError("--batch-size must be positive, got \(batchSize)") }
        var letterIds: [String: Int32] = [:]
        func letterId(_ letter: String) throws -> Int32 {
            if let id = letterIds[letter] { return id }
            let ids = tokenizer.encodeOrdinary(letter)
            guard ids.count == 1 else {
                throw NanoChatError("\(task.name): the choice letter '\(letter)' is \(ids.count) tokens with this tokenizer; each letter must be a single token")
            }
            letterIds[letter] = ids[0]
            return ids[0]
        }
        let batches = (problems + batchSize - 1) / batchSize
        var passed = 0, total = 0
        for b in stride(from: rank, to: batches, by: worldSize) {
            let positions = (b * batchSize)..<min((b + 1) * batchSize, problems)
            let rows = positions.map { order[$0] }
            let prompts = try rows.map { try tokenizer.renderForCompletion(try task.conversation(at: $0)) }
            let out = try logits(prompts, prompts.map { $0.count - 1 })
            for (k, row) in rows.enumerated() {
                let letters = task.letters(at: row)
                let ids = try letters.map(letterId)
                var best = 0
                for j in 1..<ids.count where out[k][Int(ids[j])] > out[k][Int(ids[best])] { best = j }   // first max, as torch.argmax
                let answer = letters[best], reference = task.correctLetter(at: row)
                let ok = answer == reference
                passed += ok ? 1 : 0; total += 1
                record(ChatEvalRecord(task: task.name, index: positions.lowerBound + k, row: row,
                                      source: try task.conversation(at: row).source, promptIds: prompts[k], letters: letters,
                                      reference: reference, answers: [answer], outcomes: [ok], correct: ok))
            }
            progress(total, passed)
        }
        return (passed, total)
    }
}
