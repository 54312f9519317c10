import Foundation
import NanoChat

// chat_web: a ChatGPT-like page and a streaming completion API for a chat model, served on 127.0.0.1
// (nanochat's scripts/chat_web.py, on our own HTTP/1.1 server). Open http://127.0.0.1:8000/.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
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
flags.define("num-engines", int: 8, "rows decoded together in one batch (more requests wait in line)", min: 1, max: 256)
flags.define("max-queue", int: 64, "requests that may wait for a row; beyond that 429/503 with Retry-After", min: 0, max: 100_000)
flags.define("max-connections", int: 4096, "open client connections (idle ones included); beyond that 503", min: 1, max: 60_000)
flags.define("read-timeout", double: 10, "seconds a client has to send its whole request", min: 0.1, max: 600)
flags.define("tokenizer-dir", "", "default $NANOCHAT_BASE_DIR/tokenizer")
flags.define("dtype", "float32", "weight storage: float32, or bfloat16 (matrices and lm_head rounded to bf16, math in fp32)", short: "d", choices: ["float32", "bfloat16"])
flags.define("threads", int: 0, "threads for the math (0 = all cores)", min: 0)
flags.define("device-type", "", "accepted for nanochat compatibility; always CPU")

runMain {
    try flags.parse()
    let threads = try flags.int("threads")
    Threads.configure(flag: threads, ranksOnHost: 1)
    let loaded = try ChatModel.load(source: flags.string("source"), modelTag: flags.optionalString("model-tag"),
                                    step: try flags.optionalInt("step"), tokenizerDir: flags.optionalString("tokenizer-dir"))
    if flags.string("dtype") == "bfloat16" { loaded.model.storeMatricesBF16() }
    var o = ChatServer.Options()
    o.host = flags.string("host")
    o.port = try flags.int("port")
    o.temperature = try flags.double("temperature")
    o.topK = try flags.int("top-k")
    o.maxTokens = try flags.int("max-tokens")
    o.limits.readTimeout = try flags.double("read-timeout")
    o.batchRows = try flags.int("num-engines")
    o.maxQueued = try flags.int("max-queue")
    o.maxConnections = try flags.int("max-connections")
    o.modelID = "\(flags.string("source"))/\((loaded.dir as NSString).lastPathComponent)/\(loaded.step)"
    let server = try ChatServer(model: loaded.model, tokenizer: loaded.tokenizer, options: o)
    try server.bind()
    print("Loaded \(loaded.dir) (step \(loaded.step)); serving on http://\(o.host):\(o.port)/ , batching up to \(o.batchRows) rows (model \(o.modelID))")
    fflush(stdout)
    server.serve()
}
