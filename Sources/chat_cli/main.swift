import Foundation
import NanoChat

// chat_cli: talk to a chat (or base) model in the terminal (nanochat's scripts/chat_cli.py). Streams the
// reply as it is generated; `quit`/`exit` leave, `clear` starts over, Ctrl-C stops the current answer.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
let flags = Flags(program: "chat_cli", summary: "Chat with a model in the terminal. -p 'text' answers once and exits.")
flags.define("source", "sft", "which checkpoints: sft (chatsft_checkpoints), rl (chatrl_checkpoints) or base (base_checkpoints)", short: "i",
             choices: ["sft", "rl", "base"])
flags.define("model-tag", "", "checkpoint directory (default: the largest d<N>)", short: "g")
flags.define("step", int: nil, "checkpoint step (default: the last)", min: 0, short: "s")
flags.define("prompt", "", "answer this one message and exit", short: "p")
flags.define("temperature", double: 0.6, "sampling temperature (0 = greedy)", min: 0, max: 2, short: "t")
flags.define("top-k", int: 50, "sample among the k most likely tokens (0 = all)", min: 0, short: "k")
flags.define("max-tokens", int: 256, "most tokens per answer", min: 1)
flags.define("top-p", double: 1, "nucleus sampling: the most likely tokens up to this probability mass (1 = all)", min: 0.000001, max: 1)
flags.define("frequency-penalty", double: 0, "lower a token's logit by this much per earlier use in the answer", min: -2, max: 2)
flags.define("presence-penalty", double: 0, "lower a token's logit by this much once it was used in the answer", min: -2, max: 2)
flags.define("stop", "", "end the answer at this text (not printed)")
flags.define("seed", int: nil, "sampling seed: unset = 42 for every answer (nanochat's Engine default); S = S, S+1, ... per answer", min: 0)
flags.define("tokenizer-dir", "", "default $NANOCHAT_BASE_DIR/tokenizer")
flags.define("dtype", "float32", "weight storage: float32, or bfloat16 (matrices and lm_head rounded to bf16, math in fp32)", short: "d", choices: ["float32", "bfloat16"])
flags.define("threads", int: 0, "threads (0 = all cores)", min: 0)
flags.define("device-type", "", "accepted for nanochat compatibility; always CPU")

/// Ctrl-C while answering stops the answer; at the prompt it leaves (like nanochat's KeyboardInterrupt).
final class Interrupt: @unchecked Sendable {
    private let lock = NSLock()
    private var answering = false, stop = false
    private var source: DispatchSourceSignal?

    func install() {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler { [self] in
            lock.lock(); defer { lock.unlock() }
            if answering { stop = true } else { print("\nBye!"); exit(0) }
        }
        s.resume()
        source = s
    }
    func begin() { lock.lock(); answering = true; stop = false; lock.unlock() }
    func end() { lock.lock(); answering = false; lock.unlock() }
    var stopRequested: Bool { lock.lock(); defer { lock.unlock() }; return stop }
}

func write(_ s: String) { print(s, terminator: ""); fflush(stdout) }

runMain {
    try flags.parse()
    let threads = try flags.int("threads")
    Threads.configure(flag: threads, ranksOnHost: 1)
    let loaded = try ChatModel.load(source: flags.string("source"), modelTag: flags.optionalString("model-tag"),
                                    step: try flags.optionalInt("step"), tokenizerDir: flags.optionalString("tokenizer-dir"))
    if flags.string("dtype") == "bfloat16" { loaded.model.storeMatricesBF16() }
    let session = try ChatSession(engine: Engine(model: loaded.model, tokenizer: loaded.tokenizer), tokenizer: loaded.tokenizer)
    let temperature = try flags.double("temperature"), maxTokens = try flags.int("max-tokens")
    let topK = try flags.int("top-k")
    let sampling = SamplingOptions(temperature: temperature, topK: topK > 0 ? topK : nil, topP: try flags.double("top-p"),
                                   frequencyPenalty: try flags.double("frequency-penalty"), presencePenalty: try flags.double("presence-penalty"))
    let stop = flags.optionalString("stop").map { [$0] } ?? []
    let seedFlag = try flags.optionalInt("seed")
    var answers = 0

    func answer(_ message: String, interrupt: Interrupt?) throws {
        interrupt?.begin(); defer { interrupt?.end() }
        let before = session.droppedTurns
        try session.reply(to: message, maxTokens: maxTokens, sampling: sampling, seed: ChatSession.answerSeed(answers, flag: seedFlag),
                          stop: stop) { piece in
            write(piece)
            return !(interrupt?.stopRequested ?? false)
        }
        answers += 1
        if interrupt?.stopRequested ?? false { write(" [stopped]") }
        write("\n")
        let dropped = session.droppedTurns - before
        if dropped > 0 { write("(the oldest \(dropped) turn\(dropped == 1 ? "" : "s") left the history to fit the \(session.context)-token context)\n") }
    }

    if let prompt = flags.optionalString("prompt") {
        try answer(prompt, interrupt: nil)
        return
    }
    let interrupt = Interrupt()
    interrupt.install()
    print("NanoChat interactive mode (\(loaded.dir), step \(loaded.step))")
    print("-" * 50)
    print("Type 'quit' or 'exit' to end the conversation, 'clear' to start a new one; Ctrl-C stops an answer")
    print("-" * 50)
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
            try answer(input, interrupt: interrupt)
        } catch let e as NanoChatError {
            write("\n"); print("error: \(e.message)")   // a too-long message is not fatal
        }
    }
}

func * (s: String, n: Int) -> String { String(repeating: s, count: n) }
