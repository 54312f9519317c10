import Foundation

/// Alpaca-style records (`instruction`, `input`, `output`) as one user turn and one assistant turn; the
/// user turn is the instruction, followed by a blank line and the input when there is one. Reads one JSON
/// list (stanford_alpaca's alpaca_data.json) or jsonl.
public final class Alpaca: ChatTask {
    public let name = "alpaca"
    let rows: [(user: String, assistant: String, source: String)]
    public var count: Int { rows.count }

    public init(path: String) throws {
        var records: [(Any, String)] = []
        if path.hasSuffix(".jsonl") {
            let file = try JSONLFile(path: path)
            for i in 0..<file.count { records.append((try file.value(i), file.source(i))) }
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw NanoChatError(file: path, Paths.exists(path) ? "cannot read file" : "no such file")
            }
            guard let list = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
                throw NanoChatError(file: path, "expected one JSON list of {instruction, input, output} records (or a .jsonl file)")
            }
            // a JSON list is often one line: name the record instead
            records = list.enumerated().map { ($1, "\(path): record \($0 + 1)") }
        }
        rows = try records.map { value, src in
            guard let o = value as? [String: Any], let instruction = o["instruction"] as? String,
                  let output = o["output"] as? String else {
                throw NanoChatError("\(src): needs string fields \"instruction\" and \"output\" (and optional \"input\")")
            }
            let input = (o["input"] as? String) ?? ""
            return (input.isEmpty ? instruction : instruction + "\n\n" + input, output, src)
        }
    }

    public func conversation(at index: Int) throws -> Conversation {
        let r = rows[index]
        return Conversation(messages: [ChatMessage(.user, r.user), ChatMessage(.assistant, r.assistant)], source: r.source)
    }
}
