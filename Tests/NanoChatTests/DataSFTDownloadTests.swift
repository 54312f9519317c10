import Foundation
import XCTest
@testable import NanoChat

/// `dataset --sft`, `HTTPDownload` and the eval-bundle download against LocalHTTPServer on 127.0.0.1, which
/// serves the committed fixtures and fails (500), truncates and stalls on purpose; and our zip reader.
final class DataSFTDownloadTests: XCTestCase {
    static let pq = TestPaths.fixture("parquet/sft")
    static func bytes(_ p: String) -> Data { try! Data(contentsOf: URL(fileURLWithPath: p)) }
    static func sha(_ b: [UInt8]) -> String { var h = SHA256(); h.update(b); return SHA256.hex(h.finalize()) }
    static func fast() -> HTTPDownload {
        var h = HTTPDownload(); h.retryBase = 0.05; h.attempts = 3; h.idleTimeout = 2; h.totalTimeout = 20; return h
    }
    static func leftovers(_ dir: String) -> [String] {
        (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".tmp") }
    }

    /// A fake hub: the parquet listing API of nanochat's load_hub_dataset and the shard files it names.
    static func hub(_ server: LocalHTTPServer, splits: [(repo: String, subset: String, split: String, files: [String])]) {
        for s in splits {
            let urls = s.files.indices.map { "\(server.baseURL)/files/\(s.repo)/\(s.split)/\($0).parquet" }
            server.set("/api/datasets/\(s.repo)/parquet/\(s.subset)/\(s.split)", try! JSONSerialization.data(withJSONObject: urls))
            for (i, f) in s.files.enumerated() { server.set("/files/\(s.repo)/\(s.split)/\(i).parquet", bytes(pq + "/" + f)) }
        }
    }

    func testSFTDownloadWritesNanochatLayoutThatChatSFTReads() throws {
        let server = try LocalHTTPServer(files: [:], failures: ["/files/cais/mmlu/auxiliary_train/1.parquet": 2])
        defer { server.stop() }
        Self.hub(server, splits: [
            ("HuggingFaceTB/smol-smoltalk", "default", "train", ["smoltalk_zstd_v1.parquet", "smoltalk_snappy_v2.parquet"]),
            ("HuggingFaceTB/smol-smoltalk", "default", "test", ["smoltalk_snappy_v2.parquet"]),
            ("cais/mmlu", "all", "auxiliary_train", ["mmlu_uncompressed_v1.parquet", "mmlu_zstd_v2.parquet"]),
            ("cais/mmlu", "all", "test", ["mmlu_zstd_v2.parquet"]),
            ("openai/gsm8k", "main", "train", ["gsm8k_snappy.parquet"]),
            ("openai/gsm8k", "main", "test", ["gsm8k_snappy.parquet"]),
        ])
        let dir = TestPaths.tempDir("sftdl")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try SFTDownload.download(into: dir, hubURL: server.baseURL, http: Self.fast(), style: .silent)
        XCTAssertEqual(s.splits, 6); XCTAssertEqual(s.files, 8)
        XCTAssertEqual(server.requests.filter { $0 == "GET /files/cais/mmlu/auxiliary_train/1.parquet" }.count, 3, "two 500s, then the file")
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/mmlu/auxiliary_train/00001.parquet"), Self.bytes(Self.pq + "/mmlu_zstd_v2.parquet"))
        XCTAssertTrue(Paths.exists(dir + "/smoltalk/train/manifest.json"))
        XCTAssertEqual(Self.leftovers(dir), [])
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir + "/mmlu").contains { $0.hasSuffix(".partial") })
        // chat_sft's default mixture reads it: nanochat's entries, epochs and val slices
        let d = MixtureSpec.defaults(sftDataDir: dir)
        XCTAssertEqual(d.train.map(\.description), ["smoltalk:\(dir)/smoltalk/train:1", "mmlu:\(dir)/mmlu/auxiliary_train:3", "gsm8k:\(dir)/gsm8k/train:4"])
        XCTAssertEqual(d.val.map(\.description), ["smoltalk:\(dir)/smoltalk/test:1", "mmlu:\(dir)/mmlu/test:1:0-5200", "gsm8k:\(dir)/gsm8k/test:1:0-420"])
        let train = try MixtureSpec.mixture(d.train)
        XCTAssertEqual(train.count, 180 + 3 * 240 + 4 * 60)
        _ = try train.conversation(at: 0)
        // everything present: nothing fetched again
        let n = server.requests.count
        XCTAssertEqual(try SFTDownload.download(into: dir, hubURL: server.baseURL, http: Self.fast(), style: .silent).skipped, 6)
        XCTAssertEqual(server.requests.count, n)
    }

    func testSFTDownloadFailuresAreOneLineAndLeaveNoSplit() throws {
        let server = try LocalHTTPServer(files: [:], failures: ["/files/openai/gsm8k/train/0.parquet": 99])
        defer { server.stop() }
        Self.hub(server, splits: [("openai/gsm8k", "main", "train", ["gsm8k_snappy.parquet"])])
        let dir = TestPaths.tempDir("sftfail")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gsm = [SFTDownload.Source(task: "gsm8k", repo: "openai/gsm8k", subset: "main", split: "train")]
        assertOneLineError({ try SFTDownload.download(into: dir, hubURL: server.baseURL, http: Self.fast(), sources: gsm, style: .silent) },
                           contains: ["/files/openai/gsm8k/train/0.parquet", "3 attempts", "HTTP 500", "rerun"])
        XCTAssertFalse(Paths.exists(dir + "/gsm8k/train"), "no split directory until it is complete")
        XCTAssertEqual(Self.leftovers(dir), [])
        // not a parquet file (an HTML error page with status 200): removed, one line
        server.set("/files/openai/gsm8k/train/0.parquet", Data("<html>rate limited</html>".utf8))
        var h = Self.fast(); h.attempts = 1
        let s2 = try LocalHTTPServer(files: [:]); defer { s2.stop() }
        Self.hub(s2, splits: [("openai/gsm8k", "main", "train", ["gsm8k_snappy.parquet"])])
        s2.set("/files/openai/gsm8k/train/0.parquet", Data("<html>rate limited</html>".utf8))
        assertOneLineError({ try SFTDownload.download(into: dir, hubURL: s2.baseURL, http: h, sources: gsm, style: .silent) },
                           contains: ["not a parquet file", "removed"])
        XCTAssertFalse(Paths.exists(dir + "/gsm8k/train.partial/00000.parquet"))
        // a listing that is not a JSON list of URLs
        s2.set("/api/datasets/openai/gsm8k/parquet/main/train", Data("{}".utf8))
        assertOneLineError({ try SFTDownload.download(into: dir, hubURL: s2.baseURL, http: h, sources: gsm, style: .silent) },
                           contains: ["did not answer a JSON list"])
        // the hub's own URLs in a listing are moved to the mirror
        XCTAssertEqual(try SFTDownload.shardURLs(Data(#"["https://huggingface.co/api/datasets/a/b/0.parquet"]"#.utf8), hub: "http://mirror:1",
                                                  listing: URL(string: "http://mirror:1/x")!).map(\.absoluteString),
                       ["http://mirror:1/api/datasets/a/b/0.parquet"])
    }

    /// Truncated bodies are retried and fail with "got N of M bytes"; a stalled server is cut off by the idle
    /// timeout, well before the stall ends; neither leaves a file.
    func testTruncatedAndStalledDownloadsAreBoundedAndLeaveNothing() throws {
        let body = Self.bytes(Self.pq + "/gsm8k_snappy.parquet")
        let server = try LocalHTTPServer(files: ["/cut": body, "/stall": body], truncate: ["/cut"], stall: ["/stall"])
        defer { server.stop() }
        let dir = TestPaths.tempDir("cut")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var lines: [String] = []
        let e1 = Self.fast().fetchWithRetries(URL(string: server.baseURL + "/cut")!, to: dir + "/cut.parquet", label: "cut", say: { lines.append($0) })
        XCTAssertNotNil(e1)
        XCTAssertTrue(e1!.contains("of \(body.count) bytes") || e1!.contains("remaining to read"), e1!)
        XCTAssertEqual(server.requests.filter { $0 == "GET /cut" }.count, 3)
        XCTAssertEqual(lines.count, 3, "two retry lines and the final one: \(lines)")
        var h = Self.fast(); h.attempts = 2; h.idleTimeout = 1
        let t0 = now()
        let e2 = h.fetchWithRetries(URL(string: server.baseURL + "/stall")!, to: dir + "/stall.parquet", label: "stall", say: { _ in })
        let dt = now() - t0
        print("  truncated: \(e1!) | stalled: \(e2 ?? "nil") after \(String(format: "%.1f", dt)) s")
        XCTAssertTrue(e2?.hasPrefix("timed out: no data for 1 s") ?? false, e2 ?? "nil")
        XCTAssertLessThan(dt, 20, "the idle timeout bounds a stall")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testZipReaderStoredAndDeflate() throws {
        let want = try JSONSerialization.jsonObject(with: Self.bytes(TestPaths.fixture("zip/expected.json"))) as! [String: [String: Any]]
        for name in ["stored.zip", "deflate.zip"] {
            let z = try ZipArchive(path: TestPaths.fixture("zip/" + name))
            XCTAssertEqual(z.entries.filter { !$0.isDirectory }.count, want.count, name)
            for e in z.entries where !e.isDirectory {
                let d = try z.data(e)
                XCTAssertEqual(d.count, want[e.name]!["size"] as? Int, "\(name) \(e.name)")
                XCTAssertEqual(Self.sha(d), want[e.name]!["sha256"] as? String, "\(name) \(e.name)")
            }
            let out = TestPaths.tempDir("unzip")
            defer { try? FileManager.default.removeItem(atPath: out) }
            try z.extract(to: out)
            XCTAssertEqual(Self.sha([UInt8](Self.bytes(out + "/eval_bundle/eval_data/big.txt"))), want["eval_bundle/eval_data/big.txt"]!["sha256"] as? String)
        }
        let evil = TestPaths.fixture("zip/evil.zip")
        let out = TestPaths.tempDir("evil")
        defer { try? FileManager.default.removeItem(atPath: out) }
        assertOneLineError({ try ZipArchive(path: evil).extract(to: out + "/x") }, contains: [evil, "../escaped.txt", "outside"])
        XCTAssertFalse(Paths.exists(out + "/escaped.txt"))
        // truncated, garbage and corrupted zips: one line naming the file
        let good = [UInt8](Self.bytes(TestPaths.fixture("zip/deflate.zip")))
        var flipped = good; flipped[200] ^= 0x55
        for (label, bytes) in [("truncated", Array(good.prefix(good.count - 30))), ("garbage", [UInt8](repeating: 7, count: 500)), ("flipped", flipped)] {
            let p = out + "/\(label).zip"
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            assertOneLineError({ let z = try ZipArchive(path: p); for e in z.entries { _ = try z.data(e) } }, contains: [p])
        }
    }

    /// base_eval's download: fetched from the server, unpacked into eval_bundle, zip kept; a failing or
    /// unreachable server is "not available" quickly and leaves no bundle, no zip and no partial directory.
    func testEvalBundleDownloadAndOffline() throws {
        let zip = Self.bytes(TestPaths.fixture("zip/deflate.zip"))
        let server = try LocalHTTPServer(files: ["/eval_bundle.zip": zip, "/cut.zip": zip, "/evil.zip": Self.bytes(TestPaths.fixture("zip/evil.zip"))],
                                         failFirst: ["/eval_bundle.zip"], truncate: ["/cut.zip"])
        defer { server.stop() }
        let base = TestPaths.tempDir("bundle")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let bundle = base + "/eval_bundle"
        XCTAssertNil(EvalBundleDownload.fetch(into: bundle, url: server.baseURL + "/eval_bundle.zip", http: Self.fast(), say: { _ in }))
        XCTAssertTrue(Paths.exists(bundle + "/core.yaml"))
        XCTAssertTrue(Paths.exists(bundle + "/eval_data/world_knowledge/tiny_qa.jsonl"))
        XCTAssertEqual(FileManager.default.contents(atPath: base + "/eval_bundle.zip"), zip)
        XCTAssertNotNil(try CoreBundle(dir: bundle))
        XCTAssertEqual(server.requests.filter { $0 == "GET /eval_bundle.zip" }.count, 2, "one injected 500, one retry")
        for (path, part) in [("/cut.zip", "bytes"), ("/evil.zip", "outside"), ("/missing.zip", "HTTP 404")] {
            let b2 = TestPaths.tempDir("bundle2")
            defer { try? FileManager.default.removeItem(atPath: b2) }
            let why = EvalBundleDownload.fetch(into: b2 + "/eval_bundle", url: server.baseURL + path, http: Self.fast(), say: { _ in })
            XCTAssertTrue(why?.contains(part) ?? false, "\(path): \(why ?? "nil")")
            XCTAssertFalse(why?.contains("\n") ?? true)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: b2), [], "\(path) left files behind")
        }
        server.stop()
        let t0 = now()
        let offline = EvalBundleDownload.fetch(into: base + "/other/eval_bundle", url: "http://127.0.0.1:\(server.port)/eval_bundle.zip",
                                               http: Self.fast(), probeTimeout: 3, say: { _ in })
        XCTAssertTrue(offline?.hasPrefix("cannot reach") ?? false, offline ?? "nil")
        XCTAssertLessThan(now() - t0, 5)
    }
}

/// The `dataset` executable's `--sft` and `--eval-bundle` against the local server, and offline.
final class DatasetExecutableDownloadTests: XCTestCase {
    static let exe = TestPaths.repoRoot + "/.build/release/dataset"

    func run(_ args: [String], env: [String: String] = [:]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.exe)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe; p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, out)
    }

    func testSFTAndEvalBundleThroughTheExecutable() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.exe) else { throw XCTSkip("build the dataset executable first (swift build -c release)") }
        let server = try LocalHTTPServer(files: ["/eval_bundle.zip": DataSFTDownloadTests.bytes(TestPaths.fixture("zip/stored.zip"))])
        defer { server.stop() }
        DataSFTDownloadTests.hub(server, splits: SFTDownload.sources.map { ($0.repo, $0.subset, $0.split, [$0.task == "gsm8k" ? "gsm8k_snappy.parquet" : $0.task == "mmlu" ? "mmlu_zstd_v2.parquet" : "smoltalk_zstd_v1.parquet"]) })
        let base = TestPaths.tempDir("dsexe")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let env = ["NANOCHAT_BASE_DIR": base, "NANOCHAT_HF_URL": server.baseURL, "NANOCHAT_EVAL_BUNDLE_URL": server.baseURL + "/eval_bundle.zip"]
        var (rc, out) = try run(["--sft"], env: env)
        XCTAssertEqual(rc, 0, out)
        XCTAssertTrue(out.contains("done: 6 splits downloaded (6 files"), out)
        XCTAssertTrue(Paths.exists(base + "/sft_data/mmlu/auxiliary_train/00000.parquet"))
        (rc, out) = try run(["--eval-bundle"], env: env)
        XCTAssertEqual(rc, 0, out)
        XCTAssertTrue(Paths.exists(base + "/eval_bundle/core.yaml"), out)
        // offline: one line, exit 1, quickly
        let t0 = now()
        (rc, out) = try run(["--sft", "--hf-url", "http://127.0.0.1:9"], env: ["NANOCHAT_BASE_DIR": base + "/off"])
        XCTAssertEqual(rc, 1, out)
        XCTAssertTrue(out.contains("cannot reach http://127.0.0.1:9"), out)
        XCTAssertEqual(out.trimmingCharacters(in: .newlines).split(separator: "\n").count, 1, out)
        (rc, out) = try run(["--eval-bundle", "--eval-bundle-url", "http://127.0.0.1:9/eval_bundle.zip"], env: ["NANOCHAT_BASE_DIR": base + "/off"])
        XCTAssertEqual(rc, 1, out)
        XCTAssertTrue(out.contains("cannot reach"), out)
        XCTAssertFalse(Paths.exists(base + "/off/eval_bundle"))
        XCTAssertLessThan(now() - t0, 20)
    }
}
