import Foundation

/// chat_web's connection layer: one thread polls the listening socket and every client, so an idle or
/// slow client costs a small buffer, not a thread. It reads requests within `HTTPLimits` (each request
/// has `readTimeout` from its first byte; an idle kept-alive connection is closed after as long), hands
/// complete ones to `handler` (on this thread: it must answer quickly or pass the Responder on), and sends
/// what Responders queue without ever blocking on a client. Beyond `maxConnections` a new client gets 503.
final class EventLoop: @unchecked Sendable {
    typealias Handler = (HTTPRequest, Responder) -> Void

    private final class Client {
        let fd: Int32
        var input: [UInt8] = []
        var deadline: Double
        var responder: Responder?   // the request being answered (reading pauses meanwhile)
        var outgoing: [UInt8] = []
        var sentAny = false          // a response went out: a later idle timeout closes quietly
        var closeAfterSend = false
        init(fd: Int32, deadline: Double) { self.fd = fd; self.deadline = deadline }
    }

    let listenFD: Int32
    let limits: HTTPLimits
    let maxConnections: Int
    private let handler: Handler
    private let wakeRead: Int32, wakeWrite: Int32
    private var clients: [Int32: Client] = [:]
    private let statsLock = NSLock()
    private var openCount = 0, refusedCount = 0

    init(listenFD: Int32, limits: HTTPLimits, maxConnections: Int, handler: @escaping Handler) throws {
        self.listenFD = listenFD; self.limits = limits; self.maxConnections = maxConnections; self.handler = handler
        (wakeRead, wakeWrite) = try Platform.wakePipe()
    }

    var openConnections: Int { statsLock.lock(); defer { statsLock.unlock() }; return openCount }
    var refusedConnections: Int { statsLock.lock(); defer { statsLock.unlock() }; return refusedCount }

    static func now() -> Double { ProcessInfo.processInfo.systemUptime }

    func makeResponder() -> Responder { Responder(wake: { [wakeWrite] in Platform.writeByte(wakeWrite) }) }

    func run() -> Never {
        var fds: [pollfd] = []
        var order: [Client] = []
        while true {
            fds.removeAll(keepingCapacity: true); order.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeRead, events: Platform.pollIn, revents: 0))
            fds.append(pollfd(fd: listenFD, events: Platform.pollIn, revents: 0))
            var nextDeadline = Self.now() + 1
            for c in clients.values {
                var events: Int16 = Platform.pollReadHangup
                if c.responder == nil { events |= Platform.pollIn; nextDeadline = min(nextDeadline, c.deadline) }
                if !c.outgoing.isEmpty { events |= Platform.pollOut }
                fds.append(pollfd(fd: c.fd, events: events, revents: 0))
                order.append(c)
            }
            let wait = Int32(max(0, min(1000, (nextDeadline - Self.now()) * 1000)) + 1)
            if Platform.poll(&fds, timeoutMs: wait) < 0 { continue }   // EINTR
            if fds[0].revents != 0 { Platform.drain(wakeRead) }
            for (i, c) in order.enumerated() {
                let ev = fds[i + 2].revents
                if ev & (Platform.pollClosed | Platform.pollReadHangup) != 0 && c.responder != nil { drop(c); continue }
                if ev & Platform.pollIn != 0 { readFrom(c) }
            }
            if fds[1].revents & Platform.pollIn != 0 { acceptAll() }
            // responses queued by any thread, then deadlines
            let t = Self.now()
            for c in Array(clients.values) {
                pump(c)
                guard clients[c.fd] != nil else { continue }
                if c.responder == nil && t >= c.deadline {
                    if c.input.isEmpty && c.sentAny { drop(c) } else { refuse(c, HTTPError(408, "the request did not arrive within the read timeout")) }
                }
            }
        }
    }

    private func acceptAll() {
        while true {
            let fd = Platform.acceptClient(listenFD)
            if fd < 0 { return }
            if clients.count >= maxConnections {
                let body = JSON.line(["error": "too many connections; try again shortly"])
                let bytes = HTTPParser.head(503, contentType: "application/json", contentLength: body.count, keepAlive: false,
                                            extra: ["Retry-After: 1"]) + body
                _ = bytes.withUnsafeBytes { Platform.sendBytes(fd, $0.baseAddress!, bytes.count) }
                Platform.closeFD(fd)
                statsLock.lock(); refusedCount += 1; statsLock.unlock()
                continue
            }
            clients[fd] = Client(fd: fd, deadline: Self.now() + limits.readTimeout)
            statsLock.lock(); openCount = clients.count; statsLock.unlock()
        }
    }

    private func readFrom(_ c: Client) {
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Platform.receive(c.fd, $0.baseAddress!, $0.count) }
            if n > 0 {
                if c.input.isEmpty && c.sentAny { c.deadline = Self.now() + limits.readTimeout }   // a new request starts
                c.input += chunk[0..<n]
                if n < chunk.count || c.input.count > limits.maxHeaderBytes + limits.maxBodyBytes + 4 { break }   // parse decides
            } else if n == 0 {
                if c.input.isEmpty || c.closeAfterSend { drop(c) } else { refuse(c, HTTPError(400, "connection closed before the end of the request")) }
                return
            } else {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                drop(c); return
            }
        }
        dispatch(c)
    }

    /// Hands the next complete request to the handler.
    private func dispatch(_ c: Client) {
        guard c.responder == nil, !c.closeAfterSend, !c.input.isEmpty else { return }
        do {
            guard let (request, used) = try HTTPParser.parse(c.input, limits: limits) else { return }
            c.input.removeFirst(used)
            let r = makeResponder()
            c.responder = r
            handler(request, r)
        } catch let e as HTTPError {
            refuse(c, e)
        } catch {
            refuse(c, HTTPError(400, "unreadable request"))
        }
    }

    /// Answers a request that cannot be read with its error, then closes.
    private func refuse(_ c: Client, _ e: HTTPError) {
        let body = JSON.line(["error": e.message])
        c.outgoing += HTTPParser.head(e.status, contentType: "application/json", contentLength: body.count, keepAlive: false) + body
        c.closeAfterSend = true; c.input = []
        c.responder?.markGone(); c.responder = nil
        pump(c)
    }

    /// Moves what the responder queued to the socket as far as it takes it; finishes or closes.
    private func pump(_ c: Client) {
        var done = false, keep = false
        if let r = c.responder {
            let t = r.take()
            if t.gone { drop(c); return }
            c.outgoing += t.bytes
            done = t.finished; keep = t.keepAlive
        }
        if !c.outgoing.isEmpty {
            let n = c.outgoing.withUnsafeBytes { Platform.sendBytes(c.fd, $0.baseAddress!, $0.count) }
            if n > 0 { c.outgoing.removeFirst(n) } else if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { drop(c); return }
        }
        if done {
            c.responder = nil; c.sentAny = true
            if !keep { c.closeAfterSend = true }
            c.deadline = Self.now() + limits.readTimeout
        }
        if c.closeAfterSend && c.responder == nil && c.outgoing.isEmpty { drop(c); return }
        if done && keep { dispatch(c) }   // a pipelined request already here
    }

    private func drop(_ c: Client) {
        c.responder?.markGone()
        Platform.closeFD(c.fd)
        clients[c.fd] = nil
        statsLock.lock(); openCount = clients.count; statsLock.unlock()
    }
}
