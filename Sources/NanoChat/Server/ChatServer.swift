import Foundation

/// chat_web's server (nanochat's scripts/chat_web.py over our own HTTP/1.1): an `EventLoop` reads every
/// connection on one thread (keep-alive, bounded, deadlines), a `Batcher` decodes every active request
/// together, and the routes in between validate requests up front.
///
///     GET  /                      the chat page
///     POST /chat/completions      nanochat's {messages, temperature?, top_k?, max_tokens?} → SSE {"token"} … {"done": true}
///     POST /v1/chat/completions   OpenAI chat completions (stream or not, n, stop, logprobs, …)
///     POST /v1/completions        OpenAI text completions (echo + logprobs for log-likelihood scoring)
///     GET  /v1/models             the loaded checkpoint
///     GET  /health, /stats        nanochat's keys plus ours
public final class ChatServer: @unchecked Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8000
        public var temperature = 0.8
        public var topK = 50
        public var maxTokens = 512
        /// Rows decoded together (nanochat's workers): more requests wait in the queue.
        public var batchRows = 8
        public var maxQueued = 64
        public var maxConnections = 4096
        /// What /v1/models lists: source/tag/step.
        public var modelID = "nanochat"
        public var limits = HTTPLimits()
        public init() {}
    }

    let options: Options
    let batcher: Batcher
    let tokenizer: Tokenizer
    let context: Int
    private var loop: EventLoop?
    private let counters = NSLock()
    private var requests = 0, completions = 0, rejected = 0
    let started = Date()

    public init(model: GPT, tokenizer: Tokenizer, options: Options) throws {
        self.options = options
        self.tokenizer = tokenizer
        context = model.config.sequenceLen
        batcher = try Batcher(engine: Engine(model: model, tokenizer: tokenizer), maxRows: options.batchRows, maxQueued: options.maxQueued)
    }

    /// Binds and listens (errors name the address); call `serve()` afterwards.
    public func bind() throws {
        let files = Platform.raiseOpenFileLimit()
        let fd: Int32
        do { fd = try Platform.listenTCP(host: options.host, port: options.port) } catch let e as NanoChatError {
            throw NanoChatError("chat_web: \(e.message)")
        }
        loop = try EventLoop(listenFD: fd, limits: options.limits, maxConnections: min(options.maxConnections, max(64, files - 64))) { [self] in
            handle($0, $1)
        }
    }

    public func serve() -> Never {
        batcher.start()
        loop!.run()
    }

    func handle(_ request: HTTPRequest, _ out: Responder) {
        let keep = request.keepAlive
        let openAI = request.path.hasPrefix("/v1/")
        func fail(_ e: HTTPError) {
            count(rejected: true)
            var headers: [String] = []
            if let r = e.retryAfter { headers.append("Retry-After: \(r)") }
            let body: [String: Any] = openAI ? OpenAIResponses.error(e) : ["error": e.message]
            out.respondJSON(e.status, body, keepAlive: keep, extraHeaders: headers)
        }
        do {
            switch (request.method, request.path) {
            case ("GET", "/"), ("GET", "/index.html"):
                count(rejected: false)
                out.respond(200, contentType: "text/html; charset=utf-8", body: Array(ChatPage.html.utf8), keepAlive: keep)
            case ("GET", "/health"):
                count(rejected: false)
                out.respondJSON(200, health(), keepAlive: keep)
            case ("GET", "/stats"):
                count(rejected: false)
                out.respondJSON(200, stats(), keepAlive: keep)
            case ("GET", "/v1/models"):
                count(rejected: false)
                out.respondJSON(200, OpenAIResponses.models(id: options.modelID, created: Int(started.timeIntervalSince1970)), keepAlive: keep)
            case ("POST", "/chat/completions"):
                try requireJSON(request)
                try nanochatCompletion(ChatRequest(json: request.body), out)
            case ("POST", "/v1/chat/completions"):
                try requireJSON(request)
                try openAIChat(request, out)
            case ("POST", "/v1/completions"):
                try requireJSON(request)
                try openAICompletion(request, out)
            case (_, "/"), (_, "/health"), (_, "/stats"), (_, "/chat/completions"), (_, "/v1/models"), (_, "/v1/chat/completions"), (_, "/v1/completions"):
                throw HTTPError(405, "method \(request.method.prefix(20)) not allowed on \(request.path)")
            default:
                throw HTTPError(404, "no such path: \(request.path.prefix(80))")
            }
        } catch let e as HTTPError {
            fail(e)
        } catch {
            fail(HTTPError(500, "\(error)"))
        }
    }

    private func requireJSON(_ request: HTTPRequest) throws {
        let type = request.headers["content-type"]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") else { throw HTTPError(415, "Content-Type must be application/json") }
    }

    func count(rejected r: Bool) {
        counters.lock(); if r { rejected += 1 } else { requests += 1 }; counters.unlock()
    }
    func countCompletion() { counters.lock(); completions += 1; counters.unlock() }

    /// Queues rows for the batcher or refuses with Retry-After.
    func submit(_ rows: [GenerationRow], _ out: Responder, status: Int, onDone: @escaping (Error?) -> Void) throws {
        let job = Batcher.Job(rows: rows, isCancelled: { out.isClosed }, onDone: onDone)
        guard batcher.submit(job) else {
            throw HTTPError(status, "the server is busy (\(batcher.maxQueued) requests are waiting); try again shortly", retryAfter: 1)
        }
        count(rejected: false)
    }

    /// nanochat's /health keys (num_gpus = rows decoded together, available_workers = free rows) and ours.
    func health() -> [String: Any] {
        let s = batcher.snapshot
        return ["status": "ok", "ready": true, "num_gpus": batcher.maxRows, "available_workers": max(0, batcher.maxRows - s.rows),
                "num_engines": batcher.maxRows, "available_engines": max(0, batcher.maxRows - s.rows)]
    }

    func stats() -> [String: Any] {
        let s = batcher.snapshot
        counters.lock(); defer { counters.unlock() }
        let free = max(0, batcher.maxRows - s.rows)
        return ["total_workers": batcher.maxRows, "available_workers": free, "busy_workers": s.rows,
                "workers": [["gpu_id": 0, "device": "cpu", "rows": s.rows]],
                "total_engines": batcher.maxRows, "available_engines": free, "busy_engines": s.rows,
                "active_requests": s.active, "waiting_requests": s.queued, "completions_served": s.served, "tokens_generated": s.tokens,
                "requests": requests, "rejected": rejected, "open_connections": loop?.openConnections ?? 0,
                "refused_connections": loop?.refusedConnections ?? 0, "uptime_seconds": Int(Date().timeIntervalSince(started)),
                "context_tokens": context, "peak_rss_bytes": Platform.peakRSS]
    }

    func seed(_ given: UInt64?) -> UInt64 { given ?? UInt64.random(in: 0..<(1 << 31)) }

    /// nanochat's route: SSE `{"token": text}` per piece, then `{"done": true}`; the stream ends the connection.
    func nanochatCompletion(_ chat: ChatRequest, _ out: Responder) throws {
        let (prompt, budget) = try chat.prompt(tokenizer: tokenizer, context: context, maxTokens: chat.maxTokens ?? options.maxTokens)
        let topK = chat.topK ?? options.topK
        let sampling = SamplingOptions(temperature: chat.temperature ?? options.temperature, topK: topK > 0 ? topK : nil)
        var started = false
        let row = GenerationRow(.init(prompt: prompt, maxTokens: budget, sampling: sampling, seed: seed(nil))) { piece in
            if !started {
                started = true
                out.write(HTTPParser.head(200, contentType: "text/event-stream", contentLength: nil, keepAlive: false, extra: ["Cache-Control: no-cache"]))
            }
            return piece.text.isEmpty || out.write(JSON.event(["token": piece.text]))
        }
        try submit([row], out, status: 503) { [self] error in
            if !started { out.write(HTTPParser.head(200, contentType: "text/event-stream", contentLength: nil, keepAlive: false, extra: ["Cache-Control: no-cache"])) }
            if let error { out.write(JSON.event(["error": "\(error)"])) } else { out.write(JSON.event(["done": true])); countCompletion() }
            out.finish(keepAlive: false)
        }
    }
}
