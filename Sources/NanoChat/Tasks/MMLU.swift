import Foundation

/// MMLU rows rendered with `render_mc` (nanochat tasks/mmlu.py): the user asks the question with choices
/// A–D, the assistant answers with the bare letter. Read from CSV files with the header
/// `question,choice0,choice1,choice2,choice3,answer` (answer 0–3), a directory of them (sorted by name,
/// as the subjects of cais/mmlu's "all"), jsonl rows `{"question", "choices": [4], "answer": 0-3}`, or the
/// HF parquet export (`question`, `choices: list<string>`, `answer: int64`; `dataset --sft` writes it), rows in
/// file order (MixtureSpec applies nanochat's shuffle).
public final class MMLU: MultipleChoiceTask {
    public static let letters = ["A", "B", "C", "D"]
    public let name = "mmlu"
    struct Row { let question: String; let choices: [String]; let answer: Int; let source: String }
    let rows: [Row]
    public var count: Int { rows.count }

    public init(path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw NanoChatError(file: path, "no such file or directory")
        }
        var files = [path]
        if isDir.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { n in [".csv", ".jsonl", ".parquet"].contains { n.hasSuffix($0) } }.sorted().map { Paths.join(path, $0) }
            guard !files.isEmpty else { throw NanoChatError(file: path, "no .csv, .jsonl or .parquet files in this directory") }
        }
        var rows: [Row] = []
        for f in files {
            rows += f.hasSuffix(".jsonl") ? try Self.jsonlRows(f) : f.hasSuffix(".parquet") ? try Self.parquetRows(f) : try Self.csvRows(f)
        }
        self.rows = rows
    }

    static func csvRows(_ path: String) throws -> [Row] {
        let records = try CSV.records(file: path)
        let header = ["question", "choice0", "choice1", "choice2", "choice3", "answer"]
        guard let first = records.first, first.fields == header else {
            throw NanoChatError(file: path, "expected the header \(header.joined(separator: ","))")
        }
        return try records.dropFirst().map { rec in
            let src = "\(path):\(rec.line)"
            guard rec.fields.count == 6 else { throw NanoChatError("\(src): expected 6 fields, got \(rec.fields.count)") }
            return Row(question: rec.fields[0], choices: Array(rec.fields[1...4]),
                       answer: try answerIndex(rec.fields[5], src), source: src)
        }
    }

    static func jsonlRows(_ path: String) throws -> [Row] {
        let file = try JSONLFile(path: path)
        return try (0..<file.count).map { i in
            let o = try file.object(i), src = file.source(i)
            guard let q = o["question"] as? String, let c = o["choices"] as? [String], c.count == 4 else {
                throw NanoChatError("\(src): needs \"question\" and 4 string \"choices\"")
            }
            let a = o["answer"].map { "\($0)" } ?? ""
            return Row(question: q, choices: c, answer: try answerIndex(a, src), source: src)
        }
    }

    static func parquetRows(_ path: String) throws -> [Row] {
        let pf = try ParquetFile(path: path, column: nil)
        let questions = try pf.strings("question"), choices = try pf.stringLists("choices"), answers = try pf.ints("answer")
        return try questions.indices.map { i in
            let src = "\(path):row \(i + 1)"
            guard choices[i].count == 4 else { throw NanoChatError("\(src): expected 4 choices, got \(choices[i].count)") }
            return Row(question: questions[i], choices: choices[i], answer: try answerIndex("\(answers[i])", src), source: src)
        }
    }

    static func answerIndex(_ s: String, _ src: String) throws -> Int {
        guard let a = Int(s.trimmingCharacters(in: .whitespaces)), (0..<4).contains(a) else {
            throw NanoChatError("\(src): answer '\(s)' is not a choice index 0-3")
        }
        return a
    }

    public func conversation(at index: Int) throws -> Conversation {
        let r = rows[index]
        return Conversation(messages: [ChatMessage(.user, renderMC(question: r.question, letters: Self.letters, choices: r.choices)),
                                       ChatMessage(.assistant, Self.letters[r.answer])], source: r.source)
    }
    public func letters(at index: Int) -> [String] { Self.letters }
    public func correctLetter(at index: Int) -> String { Self.letters[rows[index].answer] }
}
