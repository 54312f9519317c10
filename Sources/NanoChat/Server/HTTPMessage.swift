import Foundation

/// One parsed HTTP/1.1 request.
public struct HTTPRequest {
    public let method: String
    public let path: String
    public let headers: [String: String]   // lower-cased names
    public let body: [UInt8]
    /// HTTP/1.1 without `Connection: close` (or 1.0 with keep-alive): the connection stays open after the answer.
    public var keepAlive: Bool {
        let c = headers["connection"]?.lowercased() ?? ""
        return version == "HTTP/1.1" ? !c.contains("close") : c.contains("keep-alive")
    }
    let version: String
}

/// A refusal with its status: every bad request ends as one of these, answered with a one-line JSON error
/// (nanochat's `{"error": message}` on its routes, OpenAI's `{"error": {message, type, param, code}}` on /v1).
public struct HTTPError: Error {
    public let status: Int
    public let message: String
    /// The request field at fault (OpenAI's `param`), when there is one.
    public var param: String?
    /// Seconds the client should wait before retrying (429/503: the queue is full).
    public var retryAfter: Int?
    public init(_ status: Int, _ message: String, param: String? = nil, retryAfter: Int? = nil) {
        self.status = status; self.message = message; self.param = param; self.retryAfter = retryAfter
    }
}

/// What the server accepts from a client, all bounded.
public struct HTTPLimits: Sendable {
    public var maxHeaderBytes = 16 << 10
    public var maxHeaders = 64
    public var maxBodyBytes = 1 << 20
    /// A request (headers and body) must arrive within this many seconds of its first byte (slow clients
    /// get 408); an idle kept-alive connection is closed after as long.
    public var readTimeout: Double = 10
    public init() {}
}

/// Incremental request parsing over the bytes received so far on a connection.
enum HTTPParser {
    /// The first complete request in `buf` and the bytes it used, nil if more bytes are needed; throws the
    /// HTTPError that answers a request that cannot become valid (431, 413, 411, 400).
    static func parse(_ buf: [UInt8], limits: HTTPLimits) throws -> (request: HTTPRequest, consumed: Int)? {
        guard let headerEnd = findHeaderEnd(buf, limit: limits.maxHeaderBytes + 4) else {
            if buf.count > limits.maxHeaderBytes { throw HTTPError(431, "request headers exceed \(limits.maxHeaderBytes) bytes") }
            return nil
        }
        guard headerEnd <= limits.maxHeaderBytes else { throw HTTPError(431, "request headers exceed \(limits.maxHeaderBytes) bytes") }
        guard let text = String(bytes: buf[0..<headerEnd], encoding: .utf8) else { throw HTTPError(400, "request headers are not UTF-8") }
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
        if headers["transfer-encoding"] != nil { throw HTTPError(411, "chunked bodies are not accepted; send Content-Length") }
        var length = 0
        if let lenText = headers["content-length"] {
            guard let len = Int(lenText), len >= 0 else { throw HTTPError(400, "invalid Content-Length") }
            guard len <= limits.maxBodyBytes else { throw HTTPError(413, "body of \(len) bytes exceeds \(limits.maxBodyBytes)") }
            length = len
        } else if requestLine[0] == "POST" {
            throw HTTPError(411, "POST needs a Content-Length")
        }
        let bodyStart = headerEnd + 4
        guard buf.count >= bodyStart + length else { return nil }
        let target = String(requestLine[1])
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        let request = HTTPRequest(method: String(requestLine[0]), path: path, headers: headers,
                                  body: Array(buf[bodyStart..<(bodyStart + length)]), version: String(requestLine[2]))
        return (request, bodyStart + length)
    }

    /// Index of the blank line's CR LF CR LF, looking at most `limit` bytes in.
    static func findHeaderEnd(_ b: [UInt8], limit: Int) -> Int? {
        let n = min(b.count, limit)
        guard n >= 4 else { return nil }
        for i in 0...(n - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }

    static func statusText(_ code: Int) -> String {
        switch code {
        case 200: return "OK"; case 400: return "Bad Request"; case 404: return "Not Found"
        case 405: return "Method Not Allowed"; case 408: return "Request Timeout"; case 411: return "Length Required"
        case 413: return "Content Too Large"; case 415: return "Unsupported Media Type"
        case 429: return "Too Many Requests"; case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"; case 503: return "Service Unavailable"; default: return "Status"
        }
    }

    /// Status line and headers of a response (`contentLength` nil: a stream that ends when the connection closes).
    static func head(_ status: Int, contentType: String, contentLength: Int?, keepAlive: Bool, extra: [String] = []) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(statusText(status))\r\nContent-Type: \(contentType)\r\n"
        if let contentLength { head += "Content-Length: \(contentLength)\r\n" }
        for h in extra { head += h + "\r\n" }
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(head.utf8)
    }
}
