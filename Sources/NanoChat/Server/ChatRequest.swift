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

    /// Parses and checks the JSON body; every problem is an HTTPError 400 naming it.
    public init(json body: [UInt8]) throws {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) else { throw HTTPError(400, "body is not valid JSON") }
        guard let obj = root as? [String: Any] else { throw HTTPError(400, "body must be a JSON object") }
        let known: Set<String> = ["messages", "temperature", "top_k", "max_tokens"]
        if let extra = obj.keys.sorted().first(where: { !known.contains($0) }) { throw HTTPError(400, "unknown field '\(extra)'") }
        guard let list = obj["messages"] as? [Any] else { throw HTTPError(400, "'messages' must be a list of {role, content}") }
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
            let length = content.count   // characters, as Python's len
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
        func number(_ key: String) throws -> Double? {
            guard let v = obj[key], !(v is NSNull) else { return nil }
            guard let n = v as? NSNumber, n.doubleValue.isFinite else {
                throw HTTPError(400, "'\(key)' must be a number")
            }
            return n.doubleValue
        }
        if let t = try number("temperature") {
            guard ChatLimits.temperatureRange.contains(t) else { throw HTTPError(400, "Temperature must be between 0.0 and 2.0") }
            temperature = t
        }
        if let k = try number("top_k") {
            guard k == k.rounded(), ChatLimits.topKRange.contains(Int(exactly: k) ?? -1) else { throw HTTPError(400, "top_k must be an integer between 0 and 200") }
            topK = Int(k)
        }
        if let n = try number("max_tokens") {
            guard n == n.rounded(), ChatLimits.maxTokensRange.contains(Int(exactly: n) ?? -1) else {
                throw HTTPError(400, "max_tokens must be an integer between 1 and 4096")
            }
            maxTokens = Int(n)
        }
    }

    /// The prompt (the chat helper's rendering) for answering the last user message, with the oldest
    /// user/assistant pairs dropped until prompt + answer fit the model's context; the answer gets the
    /// room left, at most `maxTokens`.
    public func prompt(tokenizer: Tokenizer, context: Int, maxTokens: Int) throws -> (tokens: [Int32], maxTokens: Int) {
        var msgs = messages
        while true {
            let conv = Conversation(messages: msgs + [ChatMessage(.assistant, "")], source: "request")
            let ids: [Int32]
            do { ids = try tokenizer.renderForCompletion(conv) } catch let e as NanoChatError { throw HTTPError(400, e.message) }
            if ids.count + maxTokens <= context || msgs.count < 3 {
                let room = context - ids.count
                guard room >= 1 else { throw HTTPError(400, "the conversation (\(ids.count) tokens) leaves no room for an answer in the model's \(context)-token context") }
                return (ids, min(maxTokens, room))
            }
            msgs.removeFirst(2)   // the oldest user message and its answer
        }
    }
}
