import Foundation

/// ARC-Easy / ARC-Challenge rendered with `render_mc` (nanochat tasks/arc.py). Reads the ICL jsonl of the
/// CORE data (`{"query": "Question: ...", "choices": [...], "gold": k}`, letters A, B, ... by position) or
/// nanochat's HF rows (`{"question", "choices": {"text", "label"}, "answerKey"}`).
public final class ARC: MultipleChoiceTask {
    public let name: String
    struct Row { let question: String; let choices: [String]; let letters: [String]; let answer: String; let source: String }
    let rows: [Row]
    public var count: Int { rows.count }

    public init(path: String, name: String = "arc") throws {
        self.name = name
        let file = try JSONLFile(path: path)
        rows = try (0..<file.count).map { i in
            let o = try file.object(i), src = file.source(i)
            if let query = o["query"] as? String {
                guard let choices = o["choices"] as? [String], (2...26).contains(choices.count),
                      let gold = (o["gold"] as? NSNumber)?.intValue, (0..<choices.count).contains(gold) else {
                    throw NanoChatError("\(src): needs 2-26 string \"choices\" and \"gold\" indexing one of them")
                }
                var q = query
                if q.hasPrefix("Question: ") { q.removeFirst("Question: ".count) }
                if q.hasSuffix("\nAnswer:") { q.removeLast("\nAnswer:".count) }
                let letters = choiceLetters(choices.count)
                return Row(question: q, choices: choices, letters: letters, answer: letters[gold], source: src)
            }
            guard let q = o["question"] as? String, let c = o["choices"] as? [String: Any],
                  let text = c["text"] as? [String], let labels = c["label"] as? [String], text.count == labels.count,
                  let key = o["answerKey"] as? String, labels.contains(key) else {
                throw NanoChatError("\(src): expected an ICL row (query, choices, gold) or an ARC row (question, choices{text,label}, answerKey)")
            }
            return Row(question: q, choices: text, letters: labels, answer: key, source: src)
        }
    }

    public func conversation(at index: Int) throws -> Conversation {
        let r = rows[index]
        return Conversation(messages: [ChatMessage(.user, renderMC(question: r.question, letters: r.letters, choices: r.choices)),
                                       ChatMessage(.assistant, r.answer)], source: r.source)
    }
    public func letters(at index: Int) -> [String] { rows[index].letters }
    public func correctLetter(at index: Int) -> String { rows[index].answer }
}
