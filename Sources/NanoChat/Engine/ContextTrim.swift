/// The one way chat_cli and chat_web fit a conversation into the model's context: drop whole turns
/// (a user message and its answer) from the oldest until `<|bos|>` + turns + the new user turn + the
/// answer's `maxTokens` fit; the answer then gets whatever room is left. Token counts only: nothing is
/// tokenized again per dropped turn.
public enum ContextTrim {
    public struct Fit {
        public let tokens: [Int32]
        public let maxTokens: Int
        /// How many of the oldest turns were left out.
        public let dropped: Int
    }

    /// - Parameters: turns: finished turns, oldest first; last: the new user turn ending in `<|assistant_start|>`.
    public static func fit(bos: Int32, turns: [[Int32]], last: [Int32], maxTokens: Int, context: Int) throws -> Fit {
        var length = 1 + turns.reduce(0) { $0 + $1.count } + last.count
        var dropped = 0
        while dropped < turns.count && length + maxTokens > context { length -= turns[dropped].count; dropped += 1 }
        let room = context - length
        guard room >= 1 else {
            throw NanoChatError("chat: the message is \(last.count) tokens; the model's context is \(context) tokens, which leaves no room for an answer")
        }
        return Fit(tokens: [bos] + turns[dropped...].joined() + last, maxTokens: min(maxTokens, room), dropped: dropped)
    }

    /// Splits a rendered prompt (`<|bos|>` turn… last-user-turn `<|assistant_start|>`) into its turns at each `<|user_start|>`.
    public static func turns(ofRendered ids: [Int32], userStart: Int32) -> (turns: [[Int32]], last: [Int32]) {
        var segments: [[Int32]] = []
        for t in ids.dropFirst() {
            if t == userStart || segments.isEmpty { segments.append([t]) } else { segments[segments.count - 1].append(t) }
        }
        let last = segments.popLast() ?? []
        return (segments, last)
    }
}
