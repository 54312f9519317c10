import Foundation

/// Conversations from JSON as nanochat writes them: a list of `{"role": ..., "content": ...}` where content
/// is a string or (assistant only) a list of `{"type": "text"|"python"|"python_output", "text": ...}`.
/// Input is whatever `JSONSerialization` produced; every problem names `source` ("file:line").
extension Conversation {
    public init(jsonMessages value: Any, source: String) throws {
        guard let list = value as? [Any] else {
            throw NanoChatError("\(source): expected a JSON list of messages, got \(Self.jsonTypeName(value))")
        }
        guard !list.isEmpty else { throw NanoChatError("\(source): empty conversation") }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(list.count)
        for (i, item) in list.enumerated() {
            guard let obj = item as? [String: Any] else {
                throw NanoChatError("\(source): message \(i) is not a JSON object")
            }
            guard let roleName = obj["role"] as? String else {
                throw NanoChatError("\(source): message \(i) has no string \"role\"")
            }
            guard let role = ChatRole(rawValue: roleName) else {
                throw NanoChatError("\(source): message \(i) has unknown role \"\(roleName)\" (system, user or assistant)")
            }
            guard let content = obj["content"] else {
                throw NanoChatError("\(source): message \(i) has no \"content\"")
            }
            messages.append(ChatMessage(role: role, content: try Self.content(content, role: role, index: i, source: source)))
        }
        self.init(messages: messages, source: source)
    }

    /// `{"messages": [...]}` (nanochat's conversation dict, SmolTalk rows) or a bare list (CustomJSON lines).
    public init(json value: Any, source: String) throws {
        if let obj = value as? [String: Any] {
            guard let m = obj["messages"] else { throw NanoChatError("\(source): object has no \"messages\"") }
            try self.init(jsonMessages: m, source: source)
        } else {
            try self.init(jsonMessages: value, source: source)
        }
    }

    static func content(_ value: Any, role: ChatRole, index i: Int, source: String) throws -> ChatContent {
        if let s = value as? String { return .text(s) }
        guard let parts = value as? [Any] else {
            throw NanoChatError("\(source): message \(i) content must be a string or a list of parts, got \(jsonTypeName(value))")
        }
        guard role == .assistant else {
            throw NanoChatError("\(source): message \(i) (\(role.rawValue)) must be a string, not a list of parts")
        }
        return .parts(try parts.enumerated().map { j, p in
            guard let obj = p as? [String: Any], let type = obj["type"] as? String else {
                throw NanoChatError("\(source): message \(i) part \(j) needs a string \"type\"")
            }
            guard let text = obj["text"] as? String else {
                throw NanoChatError("\(source): message \(i) part \(j) needs a string \"text\"")
            }
            switch type {
            case "text": return .text(text)
            case "python": return .python(text)
            case "python_output": return .pythonOutput(text)
            default:
                throw NanoChatError("\(source): message \(i) part \(j) has unknown part type \"\(type)\" (text, python or python_output)")
            }
        })
    }

    /// The conversation as nanochat's JSON (for logs and per-problem result files).
    public var jsonMessages: [[String: Any]] {
        messages.map { m -> [String: Any] in
            switch m.content {
            case .text(let s): return ["role": m.role.rawValue, "content": s]
            case .parts(let ps): return ["role": m.role.rawValue, "content": ps.map { ["type": $0.typeName, "text": $0.text] }]
            }
        }
    }

    static func jsonTypeName(_ v: Any) -> String {
        switch v {
        case is String: return "a string"
        case is NSNumber: return "a number"
        case is [Any]: return "a list"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        default: return "\(type(of: v))"
        }
    }
}
