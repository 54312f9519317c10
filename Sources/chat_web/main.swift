import Foundation
import NanoChat

// chat_web: a ChatGPT-like page and a streaming completion API for a chat model, served on 127.0.0.1
// (nanochat's scripts/chat_web.py, on our own HTTP/1.1 server). Open http://127.0.0.1:8000/.
let flags = Flags(program: "chat_web", summary: "Serve a chat page and a streaming /chat/completions API for a model.")
flags.define("source", "sft", "which checkpoints: sft (chatsft_checkpoints), rl (chatrl_checkpoints) or base (base_checkpoints)", short: "i",
             choices: ["sft", "rl", "base"])
flags.define("model-tag", "", "checkpoint directory (default: the largest d<N>)", short: "g")
flags.define("step", int: nil, "checkpoint step (default: the last)", min: 0, short: "s")
flags.define("temperature", double: 0.8, "default sampling temperature of a request", min: 0, max: 2, short: "t")
flags.define("top-k", int: 50, "default top-k of a request (0 = all)", min: 0, max: 200, short: "k")
flags.define("max-tokens", int: 512, "default most tokens per reply", min: 1, max: 4096, short: "m")
flags.define("port", int: 8000, "port to listen on", min: 1, max: 65535, short: "p")
flags.define("host", "127.0.0.1", "address to bind (IPv4)")
flags.define("num-engines", int: 2, "requests generated at once (more wait in line)", min: 1, max: 64)
flags.define("read-timeout", double: 10, "seconds a client has to send its whole request", min: 0.1, max: 600)
flags.define("tokenizer-dir", "", "default $NANOCHAT_BASE_DIR/tokenizer")
flags.define("threads", int: 0, "threads for the math (0 = all cores)", min: 0)
flags.define("device-type", "", "accepted for nanochat compatibility; always CPU")

runMain {
    try flags.parse()
    let threads = try flags.int("threads")
    Threads.configure(threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount)
    let loaded = try ChatModel.load(source: flags.string("source"), modelTag: flags.optionalString("model-tag"),
                                    step: try flags.optionalInt("step"), tokenizerDir: flags.optionalString("tokenizer-dir"))
    var o = ChatServer.Options()
    o.host = flags.string("host")
    o.port = try flags.int("port")
    o.temperature = try flags.double("temperature")
    o.topK = try flags.int("top-k")
    o.maxTokens = try flags.int("max-tokens")
    o.limits.readTimeout = try flags.double("read-timeout")
    let server = ChatServer(model: loaded.model, tokenizer: loaded.tokenizer, engines: try flags.int("num-engines"), options: o)
    try server.bind()
    print("Loaded \(loaded.dir) (step \(loaded.step)); serving on http://\(o.host):\(o.port)/ with \(try flags.int("num-engines")) engines")
    fflush(stdout)
    server.serve()
}
