/// nanochat's `render_conversation` / `render_for_completion` (nanochat/tokenizer.py): the token ids of a
/// conversation and the mask of the tokens the assistant is trained on.
///
///     <|bos|> <|user_start|> user <|user_end|> <|assistant_start|> reply <|assistant_end|> ...
///       0          0          0        0               0             1           1
///
/// Inside a reply, `python` parts are `<|python_start|> expr <|python_end|>` (mask 1) and `python_output` parts
/// `<|output_start|> result <|output_end|>` (mask 0). A leading system message is merged into the first
/// user message as `system + "\n\n" + user`. Violations are errors naming the conversation's source.
extension Tokenizer {
    /// (ids, mask) truncated to `maxTokens` (nanochat's default 2048 keeps one conversation bounded).
    public func renderConversation(_ conversation: Conversation, maxTokens: Int = 2048) throws -> (ids: [Int32], mask: [UInt8]) {
        let messages = try Self.alternatingMessages(conversation)
        let special = try chatSpecialIds()
        var ids: [Int32] = [], mask: [UInt8] = []
        func add(_ tokens: [Int32], _ m: UInt8) {
            ids.append(contentsOf: tokens)
            mask.append(contentsOf: repeatElement(m, count: tokens.count))
        }
        add([bosId], 0)
        for message in messages {
            switch message.role {
            case .user:
                add([special.userStart], 0)
                add(encodeOrdinary(message.content.plainText), 0)
                add([special.userEnd], 0)
            case .assistant:
                add([special.assistantStart], 0)
                switch message.content {
                case .text(let s):
                    add(encodeOrdinary(s), 1)
                case .parts(let parts):
                    for part in parts {
                        switch part {
                        case .text(let s):
                            add(encodeOrdinary(s), 1)
                        case .python(let s):
                            add([special.pythonStart], 1); add(encodeOrdinary(s), 1); add([special.pythonEnd], 1)
                        case .pythonOutput(let s):
                            add([special.outputStart], 0); add(encodeOrdinary(s), 0); add([special.outputEnd], 0)
                        }
                    }
                }
                add([special.assistantEnd], 1)
            case .system:
                break  // unreachable: alternatingMessages only returns user/assistant
            }
        }
        if ids.count > maxTokens {
            ids.removeSubrange(max(0, maxTokens)...)
            mask.removeSubrange(max(0, maxTokens)...)
        }
        return (ids, mask)
    }

    /// The prompt that primes the assistant to answer: the conversation without its last (assistant)
    /// message, rendered, then `<|assistant_start|>`.
    public func renderForCompletion(_ conversation: Conversation) throws -> [Int32] {
        guard let last = conversation.messages.last else {
            throw NanoChatError("\(conversation.source): empty conversation")
        }
        guard last.role == .assistant else {
            throw NanoChatError("\(conversation.source): the last message must be from the assistant (it is from \(last.role.rawValue))")
        }
        var prompt = conversation
        prompt.messages.removeLast()
        var ids = try renderConversation(prompt).ids
        ids.append(try chatSpecialIds().assistantStart)
        return ids
    }

    /// The messages after the system merge, checked: user first, strict alternation, user text only.
    static func alternatingMessages(_ conversation: Conversation) throws -> [ChatMessage] {
        let src = conversation.source
        var messages = conversation.messages
        guard !messages.isEmpty else { throw NanoChatError("\(src): empty conversation") }
        var offset = 0  // index shift so errors name the message as it appears in the source
        if messages[0].role == .system {
            guard messages.count >= 2, messages[1].role == .user else {
                throw NanoChatError("\(src): the system message must be followed by a user message")
            }
            guard case .text(let system) = messages[0].content else {
                throw NanoChatError("\(src): message 0 (system) must be a string")
            }
            guard case .text(let user) = messages[1].content else {
                throw NanoChatError("\(src): message 1 (user) must be a string")
            }
            messages[1].content = .text(system + "\n\n" + user)
            messages.removeFirst()
            offset = 1
        }
        for (i, message) in messages.enumerated() {
            let expected: ChatRole = i % 2 == 0 ? .user : .assistant
            guard message.role == expected else {
                throw NanoChatError("\(src): message \(i + offset) is from \(message.role.rawValue) but should be from \(expected.rawValue) (roles must alternate user, assistant, ...)")
            }
            if message.role == .user, case .parts = message.content {
                throw NanoChatError("\(src): message \(i + offset) (user) must be a string, not a list of parts")
            }
        }
        return messages
    }

    struct ChatSpecialIds {
        let userStart, userEnd, assistantStart, assistantEnd, pythonStart, pythonEnd, outputStart, outputEnd: Int32
    }

    func chatSpecialIds() throws -> ChatSpecialIds {
        func id(_ name: String) throws -> Int32 {
            guard let i = specialId(name) else { throw NanoChatError("tokenizer: special token \(name) is missing") }
            return i
        }
        return ChatSpecialIds(userStart: try id("<|user_start|>"), userEnd: try id("<|user_end|>"),
                              assistantStart: try id("<|assistant_start|>"), assistantEnd: try id("<|assistant_end|>"),
                              pythonStart: try id("<|python_start|>"), pythonEnd: try id("<|python_end|>"),
                              outputStart: try id("<|output_start|>"), outputEnd: try id("<|output_end|>"))
    }
}
