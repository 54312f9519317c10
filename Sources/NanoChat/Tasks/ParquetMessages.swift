/// The `messages` column of a SmolTalk parquet export (HuggingFaceTB/smol-smoltalk:
/// `messages: list<struct<content: string, role: string>>`), one Conversation per row named "file:row N".
enum ParquetMessages {
    static func read(path: String) throws -> [Conversation] {
        guard Paths.exists(path) else { throw NanoChatError(file: path, "no such file") }
        let rows = try ParquetFile(path: path, column: nil).structLists("messages", fields: ["role", "content"])
        return try rows.enumerated().map { r, elements in
            let source = "\(path):row \(r + 1)"
            let messages = try elements.enumerated().map { m, fields -> ChatMessage in
                guard let role = ChatRole(rawValue: fields[0]) else {
                    throw NanoChatError("\(source): message \(m) has role '\(fields[0])' (expected system, user or assistant)")
                }
                return ChatMessage(role, fields[1])
            }
            return Conversation(messages: messages, source: source)
        }
    }
}
