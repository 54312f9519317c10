import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// chat_web's server (nanochat's scripts/chat_web.py over our own HTTP/1.1): one thread per connection
/// (at most `maxConnections`), one request per connection, a pool of engines shared by all.
///
///     GET  /                   the chat page
///     POST /chat/completions   {messages, temperature?, top_k?, max_tokens?} → SSE `data: {"token": …}` … `data: {"done": true}`
///     GET  /health             {"status": "ok", "ready": true, …}
///     GET  /stats              pool and request counters
public final class ChatServer: @unchecked Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8000
        public var temperature = 0.8
        public var topK = 50
        public var maxTokens = 512
        public var maxConnections = 64
        public var limits = HTTPLimits()
        public init() {}
    }

    let options: Options
    let pool: EnginePool
    let tokenizer: Tokenizer
    let context: Int
    private let counters = NSLock()
    private var connections = 0, requests = 0, completions = 0, rejected = 0
    private let started = Date()
    private var listenFD: Int32 = -1

    public init(model: GPT, tokenizer: Tokenizer, engines: Int, options: Options) {
        self.options = options
        self.tokenizer = tokenizer
        context = model.config.sequenceLen
        pool = EnginePool(model: model, tokenizer: tokenizer, size: max(1, engines))
    }

    /// Binds and listens (errors name the address); call `serve()` afterwards.
    public func bind() throws {
        signal(SIGPIPE, SIG_IGN)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NanoChatError("chat_web: cannot create a socket (\(String(cString: strerror(errno))))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(options.port).bigEndian)
        guard inet_pton(AF_INET, options.host, &addr.sin_addr) == 1 else {
            _ = Glibc.close(fd)
            throw NanoChatError("chat_web: --host=\(options.host) is not an IPv4 address")
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else {
            let why = String(cString: strerror(errno)); _ = Glibc.close(fd)
            throw NanoChatError("chat_web: cannot bind \(options.host):\(options.port) (\(why))")
        }
        guard listen(fd, 128) == 0 else { _ = Glibc.close(fd); throw NanoChatError("chat_web: listen failed") }
        listenFD = fd
    }

    /// Accepts forever, one thread per connection.
    public func serve() -> Never {
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 { continue }
            counters.lock()
            let busy = connections >= options.maxConnections
            if !busy { connections += 1 }
            counters.unlock()
            let conn = HTTPConnection(fd: client)
            if busy {
                counters.lock(); rejected += 1; counters.unlock()
                conn.respondError(HTTPError(503, "too many connections; try again shortly"))
                continue
            }
            let thread = Thread { [self] in
                handle(conn)
                conn.close()
                counters.lock(); connections -= 1; counters.unlock()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    func handle(_ conn: HTTPConnection) {
        let request: HTTPRequest
        do { request = try conn.readRequest(limits: options.limits) } catch let e as HTTPError {
            count(rejected: true); conn.respondError(e); return
        } catch { conn.respondError(HTTPError(400, "unreadable request")); return }
        count(rejected: false)
        switch (request.method, request.path) {
        case ("GET", "/"), ("GET", "/index.html"):
            conn.respond(200, contentType: "text/html; charset=utf-8", body: Array(ChatPage.html.utf8))
        case ("GET", "/health"):
            let s = pool.snapshot
            conn.respondJSON(200, ["status": "ok", "ready": true, "num_engines": pool.size, "available_engines": s.available])
        case ("GET", "/stats"):
            conn.respondJSON(200, stats())
        case ("POST", "/chat/completions"):
            do { try completion(request, conn) } catch let e as HTTPError {
                count(rejected: true); conn.respondError(e)
            } catch {
                conn.respondError(HTTPError(500, "\(error)"))
            }
        case (_, "/"), (_, "/health"), (_, "/stats"), (_, "/chat/completions"):
            count(rejected: true); conn.respondError(HTTPError(405, "method \(request.method.prefix(20)) not allowed on \(request.path)"))
        default:
            count(rejected: true); conn.respondError(HTTPError(404, "no such path"))
        }
    }

    private func count(rejected r: Bool) {
        counters.lock(); if r { rejected += 1 } else { requests += 1 }; counters.unlock()
    }

    func stats() -> [String: Any] {
        let s = pool.snapshot
        counters.lock(); defer { counters.unlock() }
        return ["total_engines": pool.size, "available_engines": s.available, "busy_engines": s.busy, "waiting_requests": s.waiting,
                "completions_served": s.served, "requests": requests, "rejected": rejected, "open_connections": connections,
                "uptime_seconds": Int(Date().timeIntervalSince(started)), "context_tokens": context]
    }

    func completion(_ request: HTTPRequest, _ conn: HTTPConnection) throws {
        let type = request.headers["content-type"]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") else { throw HTTPError(415, "Content-Type must be application/json") }
        let chat = try ChatRequest(json: request.body)
        let maxTokens = chat.maxTokens ?? options.maxTokens
        let (prompt, budget) = try chat.prompt(tokenizer: tokenizer, context: context, maxTokens: maxTokens)
        let engine: Engine
        switch pool.acquire(cancelled: { conn.peerClosed }) {
        case .engine(let e): engine = e
        case .full: throw HTTPError(503, "all engines are busy and the queue is full; try again shortly")
        case .cancelled: return
        }
        defer { pool.release(engine) }
        guard conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n") else { return }
        let temperature = chat.temperature ?? options.temperature, topK = chat.topK ?? options.topK
        let end = tokenizer.specialId("<|assistant_end|>"), bos = tokenizer.bosId
        var stream = TextStream(), alive = true
        func send(_ object: [String: Any]) -> Bool {
            guard let data = try? JSONSerialization.data(withJSONObject: object) else { return true }
            return conn.write(Array("data: ".utf8) + Array(data) + Array("\n\n".utf8))
        }
        try engine.generate(tokens: prompt, maxTokens: budget, temperature: temperature, topK: topK > 0 ? topK : nil,
                            seed: UInt64.random(in: 0..<(1 << 31))) { column, _ in
            let token = column[0]
            if token == end || token == bos { return false }
            let piece = stream.push(tokenizer.decodeBytes([token]))
            if !piece.isEmpty { alive = send(["token": piece]) }
            return alive && !conn.peerClosed   // a departed client frees the slot now
        }
        guard alive && !conn.peerClosed else { return }
        let rest = stream.flush()
        if !rest.isEmpty { _ = send(["token": rest]) }
        _ = send(["done": true])
        counters.lock(); completions += 1; counters.unlock()
    }
}
