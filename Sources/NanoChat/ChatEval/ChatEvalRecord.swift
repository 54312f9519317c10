import Foundation

/// One scored problem, one line of `$NANOCHAT_BASE_DIR/chat_eval/<source>_<task>.jsonl`: enough to see and
/// re-check any answer (the prompt ids can be decoded and fed to the model again).
public struct ChatEvalRecord {
    public var task: String
    /// Position in nanochat's shuffled order (what `-x` counts).
    public var index: Int
    /// Row of the task file (0-based, file order) and its "file:line".
    public var row: Int
    public var source: String
    public var promptIds: [Int32]
    /// Categorical: the choice letters and the correct one. Generative: the reference answer
    /// (GSM8K's number, HumanEval's entry point).
    public var letters: [String]? = nil
    public var reference: String
    /// The model's answer per sample: the predicted letter, GSM8K's extracted number ("" when none), or the
    /// HumanEval program's outcome.
    public var answers: [String]
    /// Generative: the decoded completions.
    public var completions: [String]? = nil
    public var outcomes: [Bool]
    /// Categorical: the answer is right. Generative: any sample passed (pass@k, k = samples).
    public var correct: Bool

    public var json: [String: Any] {
        var o: [String: Any] = ["task": task, "index": index, "row": row, "source": source,
                                "prompt_ids": promptIds.map(Int.init), "reference": reference, "answers": answers,
                                "outcomes": outcomes, "correct": correct]
        if let letters { o["letters"] = letters }
        if let completions { o["completions"] = completions }
        return o
    }

    public var jsonLine: String {
        let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Appends records to a JSONL file as they are scored (a crash keeps what was done), then renames it
/// into place so a finished file is never half written.
public final class ChatEvalJSONL {
    public let path: String
    private let tmp: String
    private let handle: FileHandle

    public init(path: String) throws {
        self.path = path
        tmp = path + ".tmp"
        try Paths.ensureDir((path as NSString).deletingLastPathComponent)
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
            throw NanoChatError(file: tmp, "cannot create file")
        }
        handle = h
    }

    public func write(_ record: ChatEvalRecord) {
        handle.write(Data((record.jsonLine + "\n").utf8))
    }

    public func finish() throws {
        try handle.close()
        try atomicRename(tmp, path)
    }
}
