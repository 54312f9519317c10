import Foundation

/// chat_cli's flags (nanochat's scripts/chat_cli.py names and short options, plus the sampling ones of our
/// Engine and the OpenAI API).
public struct ChatCLIOptions: ToolOptions {
    public var checkpoint = CheckpointChoice(source: "sft")
    public var prompt: String? = nil
    public var temperature = 0.6
    public var topK = 50
    public var maxTokens = 256
    public var topP = 1.0
    public var frequencyPenalty = 0.0
    public var presencePenalty = 0.0
    public var stop: String? = nil
    public var seed: Int? = nil
    public var tokenizerDir = Paths.tokenizerDir
    public var dtype = "float32"
    public var threads = 0
    public var deviceType = ""

    public init() {}
    public static let program = "chat_cli"
    public static let summary = "Chat with a model in the terminal. -p 'text' answers once and exits."
    public static let fields: [OptionField<ChatCLIOptions>] = OptionField.checkpoint(\ChatCLIOptions.checkpoint) + [
        .optionalString("prompt", \.prompt, "answer this one message and exit", short: "p", unset: ""),
        .double("temperature", \.temperature, "sampling temperature (0 = greedy)", min: 0, max: 2, short: "t"),
        .int("top-k", \.topK, "sample among the k most likely tokens (0 = all)", min: 0, short: "k"),
        .int("max-tokens", \.maxTokens, "most tokens per answer", min: 1),
        .double("top-p", \.topP, "nucleus sampling: the most likely tokens up to this probability mass (1 = all)", min: 0.000001, max: 1),
        .double("frequency-penalty", \.frequencyPenalty, "lower a token's logit by this much per earlier use in the answer", min: -2, max: 2),
        .double("presence-penalty", \.presencePenalty, "lower a token's logit by this much once it was used in the answer", min: -2, max: 2),
        .optionalString("stop", \.stop, "end the answer at this text (not printed)", unset: ""),
        .optionalInt("seed", \.seed, "sampling seed: unset = 42 for every answer (nanochat's Engine default); S = S, S+1, ... per answer", min: 0),
        .tokenizerDir(\.tokenizerDir),
        .dtype(\.dtype),
        .threads(\.threads),
        .deviceType(\.deviceType, choices: nil),
    ]

    public var sampling: SamplingOptions {
        SamplingOptions(temperature: temperature, topK: topK > 0 ? topK : nil, topP: topP,
                        frequencyPenalty: frequencyPenalty, presencePenalty: presencePenalty)
    }
}

/// chat_cli (nanochat's scripts/chat_cli.py): streams each reply as it is generated; `quit`/`exit` leave,
/// `clear` starts over, Ctrl-C stops the current answer (at the prompt it leaves, like nanochat's
/// KeyboardInterrupt). `-p` answers one message and returns.
public final class ChatCLI {
    let options: ChatCLIOptions
    let loaded: LoadedModel
    let session: ChatSession
    private var answers = 0
    private let lock = NSLock()
    private var answering = false, stopRequested = false

    public init(options: ChatCLIOptions) throws {
        self.options = options
        loaded = try ModelLoader.load(options.checkpoint, tokenizerDir: options.tokenizerDir, what: "chat_cli")
        if options.dtype == "bfloat16" { loaded.model.storeMatricesBF16() }
        session = try ChatSession(engine: Engine(model: loaded.model, tokenizer: loaded.tokenizer), tokenizer: loaded.tokenizer)
    }

    public func run() throws {
        if let prompt = options.prompt {
            try answer(prompt, interruptible: false)
            return
        }
        let interrupt = Platform.onInterrupt { [self] in
            lock.lock(); defer { lock.unlock() }
            if answering { stopRequested = true } else { print("\nBye!"); exit(0) }
        }
        defer { interrupt.cancel() }
        let rule = String(repeating: "-", count: 50)
        print("NanoChat interactive mode (\(loaded.dir), step \(loaded.step))")
        print(rule)
        print("Type 'quit' or 'exit' to end the conversation, 'clear' to start a new one; Ctrl-C stops an answer")
        print(rule)
        while true {
            write("\nUser: ")
            guard let line = readLine(strippingNewline: true) else { write("\n"); break }   // EOF (Ctrl-D)
            let input = line.trimmingCharacters(in: .whitespaces)
            if input.isEmpty { continue }
            switch input.lowercased() {
            case "quit", "exit": print("Goodbye!"); return
            case "clear": session.clear(); print("Conversation cleared."); continue
            default: break
            }
            write("\nAssistant: ")
            do {
                try answer(input, interruptible: true)
            } catch let e as NanoChatError {
                write("\n"); print("error: \(e.message)")   // a too-long message is not fatal
            }
        }
    }

    private var stopped: Bool { lock.lock(); defer { lock.unlock() }; return stopRequested }
    private func setAnswering(_ on: Bool) { lock.lock(); answering = on; if on { stopRequested = false }; lock.unlock() }

    private func answer(_ message: String, interruptible: Bool) throws {
        if interruptible { setAnswering(true) }
        defer { if interruptible { setAnswering(false) } }
        let before = session.droppedTurns
        try session.reply(to: message, maxTokens: options.maxTokens, sampling: options.sampling,
                          seed: ChatSession.answerSeed(answers, flag: options.seed), stop: options.stop.map { [$0] } ?? []) { [self] piece in
            write(piece)
            return !(interruptible && stopped)
        }
        answers += 1
        if interruptible && stopped { write(" [stopped]") }
        write("\n")
        let dropped = session.droppedTurns - before
        if dropped > 0 { write("(the oldest \(dropped) turn\(dropped == 1 ? "" : "s") left the history to fit the \(session.context)-token context)\n") }
    }

    private func write(_ s: String) { print(s, terminator: ""); fflush(stdout) }
}
