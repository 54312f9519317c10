import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import NanoChat

/// A minimal HTTP/1.1 server on 127.0.0.1 (POSIX sockets) for the download tests: serves `files` by path,
/// 404 for unknown paths, one connection per request, and misbehaves on purpose per path: `failFirst` answers
/// 500 to the first GET, `failures[path] = n` to the first n GETs, `truncate` sends half the body under the
/// full Content-Length and closes, `stall` sends the headers and a few bytes and then nothing (until `stop`).
final class LocalHTTPServer: @unchecked Sendable {
    private(set) var port: UInt16 = 0
    private let fd: Int32
    private let lock = NSLock()
    private var _files: [String: Data]
    private var failures: [String: Int]
    private var truncate: Set<String>
    private var stall: Set<String>
    private var stopped = false
    private var _requests: [String] = []
    var requests: [String] { lock.lock(); defer { lock.unlock() }; return _requests }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(files: [String: Data], failFirst: Set<String> = [], failures: [String: Int] = [:],
         truncate: Set<String> = [], stall: Set<String> = []) throws {
        _files = files; self.truncate = truncate; self.stall = stall
        self.failures = failures
        for p in failFirst { self.failures[p, default: 0] += 1 }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else { close(fd); throw NanoChatError("test HTTP server: cannot listen (errno \(errno))") }
        port = UInt16(bigEndian: addr.sin_port)
        let t = Thread { [self] in
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 { if errno == EINTR { continue }; return }
                Thread { self.handle(c) }.start()
            }
        }
        t.start()
    }

    /// Adds or replaces a served file (e.g. a listing that names the server's own port).
    func set(_ path: String, _ data: Data) { lock.lock(); _files[path] = data; lock.unlock() }

    func stop() {
        lock.lock(); let was = stopped; stopped = true; lock.unlock()
        if !was { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }
    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func handle(_ c: Int32) {
        defer { close(c) }
        var req = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while !Self.containsHeaderEnd(req) {
            let n = recv(c, &buf, buf.count, 0)
            if n <= 0 { return }
            req += buf[0..<n]
        }
        let line = String(decoding: req, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { return }
        let method = String(parts[0]), path = String(parts[1])
        lock.lock()
        _requests.append("\(method) \(path)")
        var fail = false
        if method == "GET", let n = failures[path], n > 0 { failures[path] = n - 1; fail = true }
        let file = _files[path], cut = truncate.contains(path), hang = stall.contains(path)
        lock.unlock()
        var body = Data(), status = "200 OK"
        if fail { status = "500 Internal Server Error"; body = Data("injected failure".utf8) }
        else if let file { body = file } else { status = "404 Not Found"; body = Data("not found".utf8) }
        let head = Data("HTTP/1.1 \(status)\r\nContent-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n".utf8)
        guard method != "HEAD" else { Self.sendAll(c, head); return }
        if status.hasPrefix("200") && hang {
            Self.sendAll(c, head + body.prefix(16))
            let t0 = Date()   // hold the connection open, sending nothing, until stopped (at most 60 s)
            while !isStopped && Date().timeIntervalSince(t0) < 60 { usleep(20_000) }
            return
        }
        Self.sendAll(c, head + (status.hasPrefix("200") && cut ? body.prefix(body.count / 2) : body))
    }

    private static func sendAll(_ c: Int32, _ out: Data) {
        out.withUnsafeBytes { p in
            var sent = 0
            while sent < p.count {
                let n = send(c, p.baseAddress! + sent, p.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                sent += n
            }
        }
    }

    private static func containsHeaderEnd(_ b: [UInt8]) -> Bool {
        guard b.count >= 4 else { return false }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return true }
        return false
    }
}
