import Foundation

/// The sampling fields both OpenAI routes share, validated up front (ranges as OpenAI documents them;
/// `top_k` is an extension as in vLLM and llama.cpp).
struct OpenAISampling {
    var sampling: SamplingOptions
    var n: Int
    var stop: [String]
    var seed: UInt64?
    var stream: Bool
    var includeUsage: Bool

    init(_ f: JSONFields, defaultTemperature: Double, defaultTopK: Int) throws {
        let temperature = try f.number("temperature", in: 0...2, "temperature must be between 0 and 2") ?? defaultTemperature
        let topP = try f.number("top_p", in: 0...1, "top_p must be between 0 and 1") ?? 1
        guard topP > 0 else { throw HTTPError(400, "top_p must be greater than 0", param: "top_p") }
        let topK = try f.int("top_k", in: -1...ChatLimits.topKRange.upperBound, "top_k must be an integer between -1 and 200 (-1 or 0 = all)") ?? defaultTopK
        let frequency = try f.number("frequency_penalty", in: -2...2, "frequency_penalty must be between -2 and 2") ?? 0
        let presence = try f.number("presence_penalty", in: -2...2, "presence_penalty must be between -2 and 2") ?? 0
        sampling = SamplingOptions(temperature: temperature, topK: topK > 0 ? topK : nil, topP: topP,
                                   frequencyPenalty: frequency, presencePenalty: presence)
        n = try f.int("n", in: 1...8, "n must be an integer between 1 and 8") ?? 1
        stop = try f.stops()
        seed = try f.int("seed", in: Int(Int32.min)...Int(Int64.max), "seed must be an integer").map { UInt64(bitPattern: Int64($0)) }
        stream = try f.bool("stream") ?? false
        includeUsage = ((f["stream_options"] as? [String: Any])?["include_usage"] as? Bool) ?? false
    }
}

/// A validated POST /v1/chat/completions body.
struct OpenAIChatRequest {
    var messages: [ChatMessage]
    var maxTokens: Int?
    var options: OpenAISampling
    var logprobs: Int?   // top_logprobs when logprobs is true

    init(json body: [UInt8], defaultTemperature: Double, defaultTopK: Int) throws {
        let f = try JSONFields(body: body)
        guard let list = f["messages"] as? [Any], !list.isEmpty else {
            throw HTTPError(400, "'messages' must be a non-empty list of {role, content}", param: "messages")
        }
        guard list.count <= ChatLimits.maxMessages else {
            throw HTTPError(400, "at most \(ChatLimits.maxMessages) messages are allowed per request", param: "messages")
        }
        var system: [String] = [], turns: [ChatMessage] = [], total = 0
        for (i, item) in list.enumerated() {
            guard let m = item as? [String: Any], let role = m["role"] as? String else {
                throw HTTPError(400, "messages[\(i)] must be an object with a 'role'", param: "messages")
            }
            let text = try Self.text(m["content"], index: i)
            guard text.codePoints <= ChatLimits.maxMessageLength else {
                throw HTTPError(400, "messages[\(i)] is longer than \(ChatLimits.maxMessageLength) characters", param: "messages")
            }
            total += text.codePoints
            switch role {
            case "system", "developer": system.append(text)
            case "user", "assistant":
                let r: ChatRole = role == "user" ? .user : .assistant
                // consecutive messages of one role become one (nanochat's renderer needs strict alternation)
                if let last = turns.last, last.role == r { turns[turns.count - 1] = ChatMessage(r, last.content.plainText + "\n\n" + text) }
                else { turns.append(ChatMessage(r, text)) }
            default:
                throw HTTPError(400, "messages[\(i)] has role '\(role.prefix(40))'; this server accepts system, user and assistant", param: "messages")
            }
        }
        guard total <= ChatLimits.maxTotalLength else {
            throw HTTPError(400, "the conversation is longer than \(ChatLimits.maxTotalLength) characters", param: "messages")
        }
        guard turns.first?.role == .user else { throw HTTPError(400, "the first non-system message must be from the user", param: "messages") }
        guard turns.last?.role == .user else { throw HTTPError(400, "the last message must be from the user", param: "messages") }
        turns.removeAll { $0.content.plainText.isEmpty && $0.role == .assistant }
        if !system.isEmpty { turns.insert(ChatMessage(.system, system.joined(separator: "\n\n")), at: 0) }   // the renderer merges it into the first user message
        messages = turns
        let range = ChatLimits.maxTokensRange
        maxTokens = try f.int("max_completion_tokens", in: range, "max_completion_tokens must be an integer between 1 and 4096")
            ?? f.int("max_tokens", in: range, "max_tokens must be an integer between 1 and 4096")
        options = try OpenAISampling(f, defaultTemperature: defaultTemperature, defaultTopK: defaultTopK)
        let top = try f.int("top_logprobs", in: 0...20, "top_logprobs must be an integer between 0 and 20")
        if try f.bool("logprobs") == true { logprobs = top ?? 0 }
        else if top != nil { throw HTTPError(400, "top_logprobs needs logprobs: true", param: "top_logprobs") }
    }

    /// A message's content: a string, or OpenAI's list of parts of which only text parts are accepted.
    static func text(_ content: Any?, index i: Int) throws -> String {
        if let s = content as? String { return s }
        if let parts = content as? [Any] {
            return try parts.map { part -> String in
                guard let p = part as? [String: Any], p["type"] as? String == "text", let t = p["text"] as? String else {
                    throw HTTPError(400, "messages[\(i)].content: only text parts are supported", param: "messages")
                }
                return t
            }.joined()
        }
        throw HTTPError(400, "messages[\(i)].content must be a string or a list of text parts", param: "messages")
    }
}

/// A validated POST /v1/completions body (lm-evaluation-harness's `local-completions` scores
/// log-likelihoods through it with `echo`, `logprobs` and `max_tokens` 0 or 1).
struct OpenAICompletionRequest {
    var prompts: [[Int32]]
    var maxTokens: Int
    var echo: Bool
    var logprobs: Int?
    var options: OpenAISampling

    init(json body: [UInt8], tokenizer: Tokenizer, defaultTemperature: Double, defaultTopK: Int) throws {
        let f = try JSONFields(body: body)
        let vocab = Int32(tokenizer.vocabSize)
        func tokens(_ v: Any) throws -> [Int32] {
            if let s = v as? String {
                guard s.codePoints <= ChatLimits.maxTotalLength else {
                    throw HTTPError(400, "a prompt is longer than \(ChatLimits.maxTotalLength) characters", param: "prompt")
                }
                return [tokenizer.bosId] + tokenizer.encodeOrdinary(s)   // documents start with <|bos|>, as in training
            }
            if let ids = v as? [NSNumber], !ids.isEmpty, ids.allSatisfy({ !JSONFields.isBool($0) }) {
                let out = ids.map { Int32(truncatingIfNeeded: $0.intValue) }
                guard out.allSatisfy({ $0 >= 0 && $0 < vocab }) else { throw HTTPError(400, "a prompt token id is outside 0..<\(vocab)", param: "prompt") }
                return out
            }
            throw HTTPError(400, "'prompt' must be a string, a list of strings, a list of token ids or a list of such lists", param: "prompt")
        }
        guard let p = f["prompt"] else { throw HTTPError(400, "'prompt' is required", param: "prompt") }
        if let list = p as? [Any], !list.isEmpty, !(list is [NSNumber]) {
            guard list.count <= 64 else { throw HTTPError(400, "at most 64 prompts per request", param: "prompt") }
            prompts = try list.map(tokens)
        } else {
            prompts = [try tokens(p)]
        }
        maxTokens = try f.int("max_tokens", in: 0...ChatLimits.maxTokensRange.upperBound, "max_tokens must be an integer between 0 and 4096") ?? 16
        echo = try f.bool("echo") ?? false
        logprobs = try f.int("logprobs", in: 0...20, "logprobs must be an integer between 0 and 20")
        options = try OpenAISampling(f, defaultTemperature: defaultTemperature, defaultTopK: defaultTopK)
        if options.stream && echo && logprobs != nil { throw HTTPError(400, "echo with logprobs is not available when streaming", param: "stream") }
    }
}
