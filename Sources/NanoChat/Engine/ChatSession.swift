import Foundation

/// A conversation with the model as chat_cli holds it (nanochat's chat_cli): the exact tokens of every
/// finished turn (user turn + the assistant's reply, tool calls included), so the model sees what it
/// generated. Unlike nanochat, the history is trimmed from the oldest turns when prompt + answer would
/// exceed the model's context (nanochat's issue #581: it crashed there).
public final class ChatSession {
    public let engine: Engine
    public let tokenizer: Tokenizer
    /// The model's context: the prompt plus the answer must fit in it.
    public let context: Int
    /// Finished turns, oldest first: user_start … user_end assistant_start … assistant_end.
    public private(set) var turns: [[Int32]] = []
    /// Turns dropped from the front so far to stay within the context.
    public private(set) var droppedTurns = 0
    private let assistantEnd: Int32

    public init(engine: Engine, tokenizer: Tokenizer, context: Int? = nil) throws {
        self.engine = engine; self.tokenizer = tokenizer
        self.context = context ?? engine.model.config.sequenceLen
        guard let end = tokenizer.specialId("<|assistant_end|>") else {
            throw NanoChatError("chat: the tokenizer has no <|assistant_end|> token (not a chat tokenizer)")
        }
        assistantEnd = end
    }

    public func clear() { turns = [] }

    /// The prompt for answering `message` after the history, and how many tokens the answer may take.
    /// Drops the oldest turns until the prompt plus `maxTokens` fit in the context (then the answer gets
    /// whatever room is left); throws if the message alone leaves no room for an answer.
    public func prompt(for message: String, maxTokens: Int) throws -> (tokens: [Int32], maxTokens: Int, userTurn: [Int32], dropped: Int) {
        // the chat helper's rendering: <|bos|> <|user_start|> message <|user_end|> <|assistant_start|>
        let rendered = try tokenizer.renderForCompletion(Conversation(messages: [ChatMessage(.user, message), ChatMessage(.assistant, "")],
                                                                      source: "chat"))
        let userTurn = Array(rendered.dropFirst())
        var dropped = 0
        func length() -> Int { 1 + turns.reduce(0) { $0 + $1.count } + userTurn.count }
        while !turns.isEmpty && length() + maxTokens > context { turns.removeFirst(); dropped += 1; droppedTurns += 1 }
        let room = context - length()
        guard room >= 1 else {
            throw NanoChatError("chat: the message is \(userTurn.count) tokens; the model's context is \(context) tokens, which leaves no room for an answer")
        }
        return ([tokenizer.bosId] + turns.joined() + userTurn, min(maxTokens, room), userTurn, dropped)
    }

    /// Answers `message`: streams text pieces to `onText` (return false to stop, e.g. Ctrl-C) and records
    /// the turn. Returns the reply's text.
    @discardableResult
    /// The sampling seed of answer `k` (0-based): nanochat's chat_cli passes no seed, so its Engine samples
    /// every answer with 42; a `--seed S` gives S, S+1, ... so repeated questions can get different answers.
    public static func answerSeed(_ k: Int, flag: Int?) -> UInt64 {
        guard let flag else { return 42 }
        return UInt64(flag) &+ UInt64(k)
    }

    public func reply(to message: String, maxTokens: Int, temperature: Double, topK: Int?, seed: UInt64,
                      onText: (String) -> Bool) throws -> String {
        let (prompt, budget, userTurn, _) = try prompt(for: message, maxTokens: maxTokens)
        var reply: [Int32] = [], stream = TextStream(), text = ""
        try engine.generate(tokens: prompt, maxTokens: budget, temperature: temperature, topK: topK, seed: seed) { column, _ in
            let token = column[0]
            if token == assistantEnd || token == tokenizer.bosId { return false }
            reply.append(token)
            let piece = stream.push(tokenizer.decodeBytes([token]))
            text += piece
            return piece.isEmpty || onText(piece)
        }
        let rest = stream.flush()
        if !rest.isEmpty { text += rest; _ = onText(rest) }
        // the turn always ends with <|assistant_end|>, even when the answer was cut short (as nanochat)
        turns.append(userTurn + reply + [assistantEnd])
        return text
    }
}
