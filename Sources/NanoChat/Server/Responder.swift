import Foundation

/// The answer to one request, written from any thread (the generation side streams through it) and sent
/// by the event loop, which never blocks on a slow client: bytes queue here and go out when the socket
/// takes them. A client that stops reading for more than `maxPending` bytes is dropped.
public final class Responder: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [UInt8] = []
    private var finished = false, keepAlive = false, gone = false
    private let wake: () -> Void
    let maxPending = 8 << 20

    init(wake: @escaping () -> Void) { self.wake = wake }

    /// True once the client has left (or was dropped): the generation side stops and frees its row.
    public var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return gone }

    /// Queues bytes; false if the client is gone.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        lock.lock()
        guard !gone, !finished else { lock.unlock(); return false }
        pending += bytes
        if pending.count > maxPending { gone = true }
        let ok = !gone
        lock.unlock()
        wake()
        return ok
    }

    /// The response is complete: the loop closes the connection after the last byte, or reads the next request.
    public func finish(keepAlive: Bool) {
        lock.lock(); finished = true; self.keepAlive = keepAlive; lock.unlock()
        wake()
    }

    /// A whole response at once.
    public func respond(_ status: Int, contentType: String, body: [UInt8], keepAlive: Bool, extraHeaders: [String] = []) {
        write(HTTPParser.head(status, contentType: contentType, contentLength: body.count, keepAlive: keepAlive, extra: extraHeaders) + body)
        finish(keepAlive: keepAlive)
    }

    public func respondJSON(_ status: Int, _ object: Any, keepAlive: Bool, extraHeaders: [String] = []) {
        respond(status, contentType: "application/json", body: JSON.line(object), keepAlive: keepAlive, extraHeaders: extraHeaders)
    }

    // MARK: - the loop's side

    /// Takes the queued bytes (and whether the response is done) for sending.
    func take() -> (bytes: [UInt8], finished: Bool, keepAlive: Bool, gone: Bool) {
        lock.lock(); defer { lock.unlock() }
        let b = pending; pending = []
        return (b, finished, keepAlive, gone)
    }

    /// Puts back what the socket did not take.
    func unsend(_ rest: ArraySlice<UInt8>) {
        lock.lock(); pending = Array(rest) + pending; lock.unlock()
    }

    func markGone() { lock.lock(); gone = true; lock.unlock() }
}

/// JSON bodies as one line (sorted keys, so answers are stable).
enum JSON {
    static func line(_ object: Any) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Array(data) + [10]
    }
    /// One server-sent event: `data: <json>` and a blank line.
    static func event(_ object: Any) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Array("data: ".utf8) + Array(data) + Array("\n\n".utf8)
    }
}
