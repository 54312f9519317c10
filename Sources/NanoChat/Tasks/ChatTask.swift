/// nanochat's `Task` (tasks/common.py): a dataset of conversations. Training mixes them; chat_eval scores
/// them. Indices are 0..<count in the task's own row order.
public protocol ChatTask: AnyObject {
    /// Short name for logs ("gsm8k", "mmlu", ...).
    var name: String { get }
    var count: Int { get }
    func conversation(at index: Int) throws -> Conversation
}

/// A categorical task (ARC, MMLU): the answer is one of `letters`, scored by the logits of the letters.
public protocol MultipleChoiceTask: ChatTask {
    func letters(at index: Int) -> [String]
    func correctLetter(at index: Int) -> String
}

/// nanochat's `render_mc`: the letter after each choice with no space before it, because the answer the
/// assistant gives is the bare letter token ("A", not " A") and small models bind better that way.
public func renderMC(question: String, letters: [String], choices: [String]) -> String {
    var query = "Multiple Choice question: \(question)\n"
    for (letter, choice) in zip(letters, choices) { query += "- \(choice)=\(letter)\n" }
    query += "\nRespond only with the letter of the correct answer."
    return query
}

/// The letters A, B, C, ... for `n` choices.
public func choiceLetters(_ n: Int) -> [String] {
    (0..<n).map { String(UnicodeScalar(UInt8(65 + $0))) }
}

/// A view of part of a task: rows start..<stop (nanochat's `Task(start=, stop=)` slicing, step 1).
public final class TaskSlice: ChatTask {
    public let base: ChatTask
    public let start: Int
    public let count: Int
    public var name: String { base.name }
    public init(_ base: ChatTask, start: Int = 0, stop: Int? = nil) {
        self.base = base
        self.start = min(max(0, start), base.count)
        self.count = max(0, min(stop ?? base.count, base.count) - self.start)
    }
    public func conversation(at index: Int) throws -> Conversation { try base.conversation(at: start + index) }
}
