import Foundation

/// GSM8K (openai/grade-school-math jsonl or nanochat's HF export rows: `question`, `answer`). The answer's
/// `<<expr=result>>` calculator annotations become python / python_output parts, as nanochat's tasks/gsm8k.py
/// does, so the model learns to call the calculator and to read its output.
public final class GSM8K: ChatTask {
    public let name = "gsm8k"
    let rows: [(question: String, answer: String, source: String)]
    public var count: Int { rows.count }

    public init(rows: [(question: String, answer: String, source: String)]) { self.rows = rows }

    /// A jsonl file (one `{"question", "answer"}` per line) or a parquet export with those two columns.
    public convenience init(path: String) throws {
        if path.hasSuffix(".parquet") {
            let table = try ParquetStrings(path: path, columns: ["question", "answer"])
            self.init(rows: (0..<table.count).map { (table.columns[0][$0], table.columns[1][$0], table.source($0)) })
            return
        }
        let file = try JSONLFile(path: path)
        var rows: [(String, String, String)] = []
        rows.reserveCapacity(file.count)
        for i in 0..<file.count {
            let o = try file.object(i)
            guard let q = o["question"] as? String, let a = o["answer"] as? String else {
                throw NanoChatError("\(file.source(i)): needs string fields \"question\" and \"answer\"")
            }
            rows.append((q, a, file.source(i)))
        }
        self.init(rows: rows)
    }

    public func conversation(at index: Int) throws -> Conversation {
        let row = rows[index]
        return Conversation(messages: [ChatMessage(.user, row.question),
                                       ChatMessage(role: .assistant, content: .parts(Self.parts(row.answer)))],
                            source: row.source)
    }

    /// The reference answer (the number after `#### ` in the solution).
    public func referenceAnswer(at index: Int) -> String? { extractAnswer(rows[index].answer) }

    /// `re.split(r'(<<[^>]+>>)', answer)` then each `<<expr=result>>` → python(expr) + python_output(result)
    /// (split at the last `=`; no `=` → empty output). Empty text pieces are kept, as Python's split keeps them.
    static func parts(_ answer: String) -> [ChatPart] {
        let s = Array(answer.unicodeScalars)
        var parts: [ChatPart] = []
        var textStart = 0, p = 0
        func str(_ a: Int, _ b: Int) -> String { var t = ""; t.unicodeScalars.append(contentsOf: s[a..<b]); return t }
        while p + 1 < s.count {
            // `<<[^>]+>>` at p: the first '>' after "<<" must be at least one char in and be followed by '>'
            if s[p] == "<" && s[p + 1] == "<" {
                var q = p + 2
                while q < s.count && s[q] != ">" { q += 1 }
                if q > p + 2 && q + 1 < s.count && s[q + 1] == ">" {
                    parts.append(.text(str(textStart, p)))
                    let inner = str(p + 2, q)
                    if let eq = inner.lastIndex(of: "=") {
                        parts.append(.python(String(inner[..<eq])))
                        parts.append(.pythonOutput(String(inner[inner.index(after: eq)...])))
                    } else {
                        parts.append(.python(inner)); parts.append(.pythonOutput(""))
                    }
                    p = q + 2; textStart = p
                    continue
                }
            }
            p += 1
        }
        parts.append(.text(str(textStart, s.count)))
        return parts
    }
}

/// nanochat's GSM8K `extract_answer`: the first `#### (-?[0-9.,]+)`, stripped, commas removed; nil if none.
public func extractAnswer(_ completion: String) -> String? {
    let s = Array(completion.unicodeScalars)
    let marker: [Unicode.Scalar] = ["#", "#", "#", "#", " "]
    func isNum(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) || c == "." || c == "," }
    var p = 0
    while p + marker.count <= s.count {
        if Array(s[p..<p + marker.count]) == marker {
            var q = p + marker.count
            if q < s.count && s[q] == "-" && q + 1 < s.count && isNum(s[q + 1]) { q += 1 }
            var e = q
            while e < s.count && isNum(s[e]) { e += 1 }
            if e > q {
                var t = ""
                t.unicodeScalars.append(contentsOf: s[(p + marker.count)..<e])
                return t.replacingOccurrences(of: ",", with: "")
            }
        }
        p += 1
    }
    return nil
}
