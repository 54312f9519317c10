import Foundation

/// nanochat chat_web's request limits, checked before any model work.
public enum ChatLimits {
    public static let maxMessages = 500
    public static let maxMessageLength = 8000
    public static let maxTotalLength = 32000
    public static let temperatureRange = 0.0...2.0
    public static let topKRange = 0...200
    public static let maxTokensRange = 1...4096
}

/// A validated POST /chat/completions body: `{messages: [{role, content}], temperature?, top_k?, max_tokens?}`.
public struct ChatRequest {
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var topK: Int?
    public var maxTokens: Int?

    /// Parses and checks the JSON body; every problem is an HTTPError 400 naming it. Unknown fields are ignored.
    public init(json body: [UInt8]) throws {
        let fields = try JSONFields(body: body)
        guard let list = fields["messages"] as? [Any] else { throw HTTPError(400, "'messages' must be a list of {role, content}") }
        guard !list.isEmpty else { throw HTTPError(400, "At least one message is required") }
        guard list.count <= ChatLimits.maxMessages else {
            throw HTTPError(400, "Too many messages. Maximum \(ChatLimits.maxMessages) messages allowed per request")
        }
        var total = 0
        messages = []
        for (i, item) in list.enumerated() {
            guard let m = item as? [String: Any], let role = m["role"] as? String, let content = m["content"] as? String else {
                throw HTTPError(400, "Message \(i) must be an object with string 'role' and 'content'")
            }
            guard !content.isEmpty else { throw HTTPError(400, "Message \(i) has empty content") }
            let length = content.codePoints   // code points, as Python's len
            guard length <= ChatLimits.maxMessageLength else {
                throw HTTPError(400, "Message \(i) is too long. Maximum \(ChatLimits.maxMessageLength) characters allowed per message")
            }
            total += length
            guard role == "user" || role == "assistant" else {
                throw HTTPError(400, "Message \(i) has invalid role '\(role.prefix(40))'. Must be 'user' or 'assistant'")
            }
            messages.append(ChatMessage(role == "user" ? .user : .assistant, content))
        }
        guard messages.last?.role == .user else { throw HTTPError(400, "the last message must be from the user") }
        guard total <= ChatLimits.maxTotalLength else {
            throw HTTPError(400, "Total conversation is too long. Maximum \(ChatLimits.maxTotalLength) characters allowed")
        }
        temperature = try fields.number("temperature", in: ChatLimits.temperatureRange, "Temperature must be between 0.0 and 2.0")
        topK = try fields.int("top_k", in: ChatLimits.topKRange, "top_k must be an integer between 0 and 200")
        maxTokens = try fields.int("max_tokens", in: ChatLimits.maxTokensRange, "max_tokens must be an integer between 1 and 4096")
    }

    /// The prompt (the chat helper's rendering) for answering the last user message, with the oldest
    /// user/assistant pairs dropped until prompt + answer fit the model's context; the answer gets the
    /// room left, at most `maxTokens`.
    public func prompt(tokenizer: Tokenizer, context: Int, maxTokens: Int) throws -> (tokens: [Int32], maxTokens: Int) {
        try Self.prompt(messages: messages, tokenizer: tokenizer, context: context, maxTokens: maxTokens)
    }

    /// Renders the conversation once and fits it with `ContextTrim` (as chat_cli does).
    static func prompt(messages: [ChatMessage], tokenizer: Tokenizer, context: Int, maxTokens: Int) throws -> (tokens: [Int32], maxTokens: Int) {
        let ids: [Int32]
        do {
            ids = try tokenizer.renderForCompletion(Conversation(messages: messages + [ChatMessage(.assistant, "")], source: "request"))
        } catch let e as NanoChatError { throw HTTPError(400, e.message, param: "messages") }
        guard let userStart = tokenizer.specialId("<|user_start|>") else { throw HTTPError(400, "the model's tokenizer is not a chat tokenizer") }
        let split = ContextTrim.turns(ofRendered: ids, userStart: userStart)
        do {
            let fit = try ContextTrim.fit(bos: tokenizer.bosId, turns: split.turns, last: split.last, maxTokens: maxTokens, context: context)
            return (fit.tokens, fit.maxTokens)
        } catch let e as NanoChatError { throw HTTPError(400, e.message, param: "messages") }
    }
}
