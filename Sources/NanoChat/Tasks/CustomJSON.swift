/// nanochat's CustomJSON: a jsonl file, one JSON list of `{"role", "content"}` messages per line (e.g. its
/// identity_conversations.jsonl). Every line is checked when the file is opened, so a bad line stops the
/// run before training with its file:line, not hours into it.
public final class CustomJSON: ChatTask {
    public let name: String
    let file: JSONLFile
    public var count: Int { file.count }

    public init(path: String, name: String = "customjson") throws {
        self.name = name
        file = try JSONLFile(path: path)
        for i in 0..<file.count { try Self.check(try conversation(at: i)) }
    }

    /// nanochat's checks: at least a user and an assistant message, alternating (an optional system first).
    static func check(_ c: Conversation) throws {
        let messages = try Tokenizer.alternatingMessages(c)
        guard messages.count >= 2 else {
            throw NanoChatError("\(c.source): a conversation needs at least a user and an assistant message")
        }
    }

    public func conversation(at index: Int) throws -> Conversation {
        try Conversation(json: try file.value(index), source: file.source(index))
    }
}
