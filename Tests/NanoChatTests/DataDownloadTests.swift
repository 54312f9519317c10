import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import NanoChat

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
