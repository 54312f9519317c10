import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Linux's POLLRDHUP (peer closed its writing side), which Glibc's module map does not export.
#if os(Linux)
let pollReadHangup: Int16 = 0x2000
#else
let pollReadHangup: Int16 = 0
#endif

/// One parsed HTTP/1.1 request (the server reads exactly one per connection, then closes it).
public struct HTTPRequest {
    public let method: String
    public let path: String
    public let headers: [String: String]   // lower-cased names
    public let body: [UInt8]
}

/// A refusal with its status: every bad request ends as one of these, answered with a one-line JSON error.
public struct HTTPError: Error {
    public let status: Int
    public let message: String
    public init(_ status: Int, _ message: String) { self.status = status; self.message = message }
}

/// What the server accepts from a client, all bounded.
public struct HTTPLimits: Sendable {
    public var maxHeaderBytes = 16 << 10
    public var maxHeaders = 64
    public var maxBodyBytes = 1 << 20
    /// The whole request (headers and body) must arrive within this many seconds (slow clients get 408).
    public var readTimeout: Double = 10
    public init() {}
}

/// A connected client socket: bounded request reading, and writes that report a closed peer instead of
/// raising SIGPIPE.
public final class HTTPConnection {
    let fd: Int32
    private var closed = false

    init(fd: Int32) { self.fd = fd }
    deinit { close() }

    func close() { if !closed { closed = true; _ = Glibc.close(fd) } }

    /// Reads and parses one request within the limits.
    func readRequest(limits: HTTPLimits) throws -> HTTPRequest {
        let deadline = Date().addingTimeInterval(limits.readTimeout)
        var buf: [UInt8] = []
        var headerEnd: Int? = nil
        while headerEnd == nil {
            guard buf.count <= limits.maxHeaderBytes else { throw HTTPError(431, "request headers exceed \(limits.maxHeaderBytes) bytes") }
            let got = try receive(into: &buf, max: 4096, deadline: deadline)
            if got == 0 {
                if buf.isEmpty { throw HTTPError(400, "empty request") }
                throw HTTPError(400, "connection closed before the end of the headers")
            }
            headerEnd = findHeaderEnd(buf)
        }
        let head = Array(buf[0..<headerEnd!])
        guard head.count <= limits.maxHeaderBytes else { throw HTTPError(431, "request headers exceed \(limits.maxHeaderBytes) bytes") }
        guard let text = String(bytes: head, encoding: .utf8) else { throw HTTPError(400, "request headers are not UTF-8") }
        var lines = text.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1."), !requestLine[0].isEmpty, requestLine[1].hasPrefix("/") else {
            throw HTTPError(400, "malformed request line")
        }
        lines.removeAll { $0.isEmpty }
        guard lines.count <= limits.maxHeaders else { throw HTTPError(431, "more than \(limits.maxHeaders) header lines") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw HTTPError(400, "malformed header line") }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(buf[(headerEnd! + 4)...])
        if headers["transfer-encoding"] != nil { throw HTTPError(411, "chunked bodies are not accepted; send Content-Length") }
        if let lenText = headers["content-length"] {
            guard let len = Int(lenText), len >= 0 else { throw HTTPError(400, "invalid Content-Length") }
            guard len <= limits.maxBodyBytes else { throw HTTPError(413, "body of \(len) bytes exceeds \(limits.maxBodyBytes)") }
            while body.count < len {
                if try receive(into: &body, max: min(65536, len - body.count), deadline: deadline) == 0 {
                    throw HTTPError(400, "connection closed before the end of the body")
                }
            }
            if body.count > len { body.removeSubrange(len...) }
        } else if requestLine[0] == "POST" {
            throw HTTPError(411, "POST needs a Content-Length")
        }
        let target = String(requestLine[1])
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        return HTTPRequest(method: String(requestLine[0]), path: path, headers: headers, body: body)
    }

    private func findHeaderEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }

    /// One recv of at most `max` bytes, waiting no later than `deadline` (then 408).
    private func receive(into buf: inout [UInt8], max: Int, deadline: Date) throws -> Int {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { throw HTTPError(408, "the request did not arrive within the read timeout") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(remaining, 3600) * 1000) + 1)
            if ready < 0 { if errno == EINTR { continue }; throw HTTPError(400, "connection error") }
            if ready == 0 { continue }   // the deadline check above answers
            var chunk = [UInt8](repeating: 0, count: max)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; throw HTTPError(400, "connection error") }
            buf += chunk[0..<n]
            return n
        }
    }

    /// Writes everything; false if the peer is gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; return false }
            off += n
        }
        return true
    }
    @discardableResult func write(_ s: String) -> Bool { write(Array(s.utf8)) }

    /// True once the client has closed its side (checked between tokens, so a departed client frees its
    /// engine slot without waiting for a write to fail).
    var peerClosed: Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN) | pollReadHangup, revents: 0)
        guard poll(&pfd, 1, 0) > 0 else { return false }
        if pfd.revents & (pollReadHangup | Int16(POLLHUP) | Int16(POLLERR)) != 0 { return true }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 0
    }

    static func statusText(_ code: Int) -> String {
        switch code {
        case 200: return "OK"; case 400: return "Bad Request"; case 404: return "Not Found"
        case 405: return "Method Not Allowed"; case 408: return "Request Timeout"; case 411: return "Length Required"
        case 413: return "Content Too Large"; case 415: return "Unsupported Media Type"
        case 431: return "Request Header Fields Too Large"; case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"; default: return "Status"
        }
    }

    func respond(_ status: Int, contentType: String, body: [UInt8], extraHeaders: [String] = []) {
        var head = "HTTP/1.1 \(status) \(Self.statusText(status))\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        for h in extraHeaders { head += h + "\r\n" }
        head += "Connection: close\r\n\r\n"
        if write(head) { write(body) }
    }

    func respondJSON(_ status: Int, _ object: Any) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        respond(status, contentType: "application/json", body: Array(data) + [10])
    }

    func respondError(_ e: HTTPError) { respondJSON(e.status, ["error": e.message]) }
}
