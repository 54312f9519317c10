import Foundation

/// A conversation with the model as chat_cli holds it (nanochat's chat_cli): the exact tokens of every
/// finished turn (user turn + the assistant's reply, tool calls included), so the model sees what it
/// generated. Unlike nanochat, the history is trimmed from the oldest turns when prompt + answer would
/// exceed the model's context (nanochat's issue #581: it crashed there), with `ContextTrim` as chat_web,
/// and answers run through the same `DecodeLoop` the server batches.
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
    private let loop: DecodeLoop

    public init(engine: Engine, tokenizer: Tokenizer, context: Int? = nil) throws {
        self.engine = engine; self.tokenizer = tokenizer
        self.context = context ?? engine.model.config.sequenceLen
        guard let end = tokenizer.specialId("<|assistant_end|>") else {
            throw NanoChatError("chat: the tokenizer has no <|assistant_end|> token (not a chat tokenizer)")
        }
        assistantEnd = end
        loop = try DecodeLoop(engine: engine)
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
        let fit = try ContextTrim.fit(bos: tokenizer.bosId, turns: turns, last: userTurn, maxTokens: maxTokens, context: context)
        turns.removeFirst(fit.dropped); droppedTurns += fit.dropped
        return (fit.tokens, fit.maxTokens, userTurn, fit.dropped)
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
                      onText: @escaping (String) -> Bool) throws -> String {
        try reply(to: message, maxTokens: maxTokens, sampling: SamplingOptions(temperature: temperature, topK: topK), seed: seed, onText: onText)
    }

    @discardableResult
    public func reply(to message: String, maxTokens: Int, sampling: SamplingOptions, seed: UInt64, stop: [String] = [],
                      onText: @escaping (String) -> Bool) throws -> String {
        let (prompt, budget, userTurn, _) = try prompt(for: message, maxTokens: maxTokens)
        var text = ""
        var request = GenerationRow.Request(prompt: prompt, maxTokens: budget, sampling: sampling, seed: seed)
        request.stop = stop
        let row = GenerationRow(request) { piece in
            text += piece.text
            return piece.text.isEmpty || onText(piece.text)
        }
        try loop.run([row])
        // the turn always ends with <|assistant_end|>, even when the answer was cut short (as nanochat)
        turns.append(userTurn + row.generated + [assistantEnd])
        return text
    }
}
