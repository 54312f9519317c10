/// A chat conversation as nanochat's tasks build them (`{"messages": [{"role", "content"}, ...]}`):
/// user and system content is a string, assistant content a string or a list of parts (GSM8K's tool calls).
public enum ChatRole: String, Sendable {
    case system, user, assistant
}

/// One part of an assistant message: supervised text, a supervised python tool call, or the tool's
/// output (not supervised: at inference time it comes from the calculator, not the model).
public enum ChatPart: Equatable, Sendable {
    case text(String), python(String), pythonOutput(String)

    /// nanochat's part `type` names.
    public var typeName: String {
        switch self { case .text: return "text"; case .python: return "python"; case .pythonOutput: return "python_output" }
    }
    public var text: String {
        switch self { case .text(let s), .python(let s), .pythonOutput(let s): return s }
    }
}

public enum ChatContent: Equatable, Sendable {
    case text(String), parts([ChatPart])

    /// The plain text of the content (parts concatenated, as a reader would see it).
    public var plainText: String {
        switch self {
        case .text(let s): return s
        case .parts(let ps): return ps.map(\.text).joined()
        }
    }
}

public struct ChatMessage: Equatable, Sendable {
    public var role: ChatRole
    public var content: ChatContent
    public init(role: ChatRole, content: ChatContent) { self.role = role; self.content = content }
    public init(_ role: ChatRole, _ text: String) { self.init(role: role, content: .text(text)) }
}

public struct Conversation: Equatable, Sendable {
    public var messages: [ChatMessage]
    /// Where the conversation came from, "file:line" (or "file:row N"); every rendering error names it.
    public var source: String
    public init(messages: [ChatMessage], source: String) { self.messages = messages; self.source = source }
}
