import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import NanoChat

/// A minimal HTTP/1.1 server on 127.0.0.1 (POSIX sockets): serves `files` by path, answers 500 to the
/// first request of each path in `failFirst`, 404 to unknown paths, one connection per request.
final class LocalHTTPServer: @unchecked Sendable {
    private(set) var port: UInt16 = 0
    private let fd: Int32
    private let files: [String: Data]
    private var failFirst: Set<String>
    private let lock = NSLock()
    private var _requests: [String] = []
    var requests: [String] { lock.lock(); defer { lock.unlock() }; return _requests }

    init(files: [String: Data], failFirst: Set<String> = []) throws {
        self.files = files; self.failFirst = failFirst
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

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    private func handle(_ c: Int32) {
        defer { close(c) }
        var req = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while !req.containsHeaderEnd {
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
        let fail = method == "GET" && failFirst.remove(path) != nil
        lock.unlock()
        var body = Data(), status = "200 OK"
        if fail { status = "500 Internal Server Error"; body = Data("injected failure".utf8) }
        else if let d = files[path] { body = d } else { status = "404 Not Found"; body = Data("not found".utf8) }
        var out = Data("HTTP/1.1 \(status)\r\nContent-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n".utf8)
        if method != "HEAD" { out += body }
        out.withUnsafeBytes { p in
            var sent = 0
            while sent < p.count {
                let n = send(c, p.baseAddress! + sent, p.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                sent += n
            }
        }
    }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return true }
        return false
    }
}

final class DataDownloadTests: XCTestCase {
    func testDownloadRetriesSkipsAndRenames() throws {
        let a = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("loader_bestfit/shard_00000.parquet")))
        let b = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("loader_bestfit/shard_00001.parquet")))
        let server = try LocalHTTPServer(files: ["/shard_00000.parquet": a, "/shard_00001.parquet": b, "/shard_06542.parquet": b],
                                         failFirst: ["/shard_00001.parquet"])
        defer { server.stop() }
        let dir = TestPaths.tempDir("dl")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dl = ShardDownloader(baseURL: "http://127.0.0.1:\(server.port)", dataDir: dir)
        dl.retryBase = 0.05
        dl.showProgress = false
        XCTAssertNil(dl.probe())
        let ids = ShardDownloader.shardIndices(numFiles: 2)
        XCTAssertEqual(ids, [0, 1, 6542])
        let s = try dl.download(ids)
        XCTAssertEqual(s.downloaded, 3); XCTAssertEqual(s.skipped, 0)
        XCTAssertEqual(s.bytes, a.count + 2 * b.count)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/shard_00000.parquet"), a)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/shard_00001.parquet"), b)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/shard_06542.parquet"), b)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.hasSuffix(".tmp") })
        XCTAssertEqual(server.requests.filter { $0 == "GET /shard_00001.parquet" }.count, 2, "one injected failure, one retry")
        // everything present: nothing fetched
        let n = server.requests.count
        XCTAssertEqual(try dl.download(ids).skipped, 3)
        XCTAssertEqual(server.requests.count, n)
        // the downloaded dir is a data dir: val = the pinned last shard
        let src = try DocumentSource(path: dir)
        XCTAssertEqual(try src.splitFileCount("train"), 2)
        // a shard the server does not have: retried, then one line naming it
        dl.attempts = 2
        XCTAssertThrowsError(try dl.download([2])) { e in
            XCTAssertTrue("\(e)".contains("shard_00002.parquet (HTTP 404)"), "\(e)")
            XCTAssertFalse("\(e)".contains("\n"))
        }
        XCTAssertFalse(Paths.exists(dir + "/shard_00002.parquet") || Paths.exists(dir + "/shard_00002.parquet.tmp"))
        server.stop()
        XCTAssertNotNil(dl.probe(timeout: 2), "a closed port is unreachable")
    }

    /// `dataset` with no shards and no reachable server installs the bundled books (offline default).
    func testDatasetExecutableOfflineInstallsBundledCorpus() throws {
        let exe = TestPaths.repoRoot + "/.build/release/dataset"
        guard FileManager.default.isExecutableFile(atPath: exe) else { throw XCTSkip("build the dataset executable first (swift build -c release)") }
        let dir = TestPaths.tempDir("offline")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-n", "2", "--data-dir", dir, "--base-url", "http://127.0.0.1:9"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run(); p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("bundled Project Gutenberg corpus"), out)
        XCTAssertTrue(BundledCorpus.isInstalled(dataDir: dir))
        XCTAssertFalse(GeneratedCorpus.isGenerated(dataDir: dir))
        XCTAssertEqual(try DocumentSource(path: dir).files.count, BundledCorpus.shardFiles(in: TestPaths.repoRoot + "/data/gutenberg").count)
    }
}
