import Foundation

/// chat_web's flags (nanochat's scripts/chat_web.py names and short options, plus the server's bounds).
public struct ChatWebOptions: ToolOptions {
    public var checkpoint = CheckpointChoice(source: "sft")
    public var temperature = 0.8
    public var topK = 50
    public var maxTokens = 512
    public var port = 8000
    public var host = "127.0.0.1"
    public var numEngines = 8
    public var maxQueue = 64
    public var maxConnections = 4096
    public var readTimeout = 10.0
    public var tokenizerDir = Paths.tokenizerDir
    public var dtype = "float32"
    public var threads = 0
    public var deviceType = ""

    public init() {}
    public static let program = "chat_web"
    public static let summary = "Serve a chat page and a streaming /chat/completions API for a model."
    public static let fields: [OptionField<ChatWebOptions>] = OptionField.checkpoint(\ChatWebOptions.checkpoint) + [
        .double("temperature", \.temperature, "default sampling temperature of a request", min: 0, max: 2, short: "t"),
        .int("top-k", \.topK, "default top-k of a request (0 = all)", min: 0, max: 200, short: "k"),
        .int("max-tokens", \.maxTokens, "default most tokens per reply", min: 1, max: 4096, short: "m"),
        .int("port", \.port, "port to listen on", min: 1, max: 65535, short: "p"),
        .string("host", \.host, "address to bind (IPv4)"),
        .int("num-engines", \.numEngines, "rows decoded together in one batch (more requests wait in line)", min: 1, max: 256),
        .int("max-queue", \.maxQueue, "requests that may wait for a row; beyond that 429/503 with Retry-After", min: 0, max: 100_000),
        .int("max-connections", \.maxConnections, "open client connections (idle ones included); beyond that 503", min: 1, max: 60_000),
        .double("read-timeout", \.readTimeout, "seconds a client has to send its whole request", min: 0.1, max: 600),
        .tokenizerDir(\.tokenizerDir),
        .dtype(\.dtype),
        .threads(\.threads),
        .deviceType(\.deviceType, choices: nil),
    ]

    /// The server's settings; `modelID` (what /v1/models lists) is source/tag/step of the loaded checkpoint.
    public func serverOptions(modelID: String) -> ChatServer.Options {
        var server = ChatServer.Options()
        server.host = host
        server.port = port
        server.temperature = temperature
        server.topK = topK
        server.maxTokens = maxTokens
        server.limits.readTimeout = readTimeout
        server.batchRows = numEngines
        server.maxQueued = maxQueue
        server.maxConnections = maxConnections
        server.modelID = modelID
        return server
    }
}

/// chat_web (nanochat's scripts/chat_web.py on our own HTTP/1.1 server): loads the checkpoint, binds, serves
/// until the process ends.
public enum ChatWeb {
    public static func run(_ options: ChatWebOptions) throws {
        let loaded = try ModelLoader.load(options.checkpoint, tokenizerDir: options.tokenizerDir, what: "chat_web")
        if options.dtype == "bfloat16" { loaded.model.storeMatricesBF16() }
        let server = options.serverOptions(modelID: "\(options.checkpoint.source)/\((loaded.dir as NSString).lastPathComponent)/\(loaded.step)")
        let chat = try ChatServer(model: loaded.model, tokenizer: loaded.tokenizer, options: server)
        try chat.bind()
        print("Loaded \(loaded.dir) (step \(loaded.step)); serving on http://\(server.host):\(server.port)/ , batching up to \(server.batchRows) rows (model \(server.modelID))")
        fflush(stdout)
        chat.serve()
    }
}
