import Foundation
import XCTest
@testable import NanoChat

final class BundledCorpusTests: XCTestCase {
    var source: String { TestPaths.repoRoot + "/data/gutenberg" }

    /// The shipped books decompress into readable .txt shards: train books in the first six, Potter's in the
    /// val shard, documents split at <|endoftext|>, no Project Gutenberg header or license left.
    func testInstallsRealBooks() throws {
        XCTAssertEqual(BundledCorpus.shardFiles(in: source).count, 7)
        let dir = TestPaths.tempDir("bundled")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (shards, bytes) = try BundledCorpus.install(into: dir, from: source)
        XCTAssertEqual(shards, 7)
        XCTAssertGreaterThan(bytes, 10_000_000)
        XCTAssertTrue(BundledCorpus.isInstalled(dataDir: dir))
        XCTAssertEqual(try BundledCorpus.ensure(dataDir: dir), "bundled")     // already there: untouched
        let src = try DocumentSource(path: dir)
        XCTAssertEqual(src.files.count, 7)
        var val: [String] = []
        try src.forEachDocument(split: "val") { val.append($0); return true }
        XCTAssertGreaterThan(val.count, 50)
        XCTAssertTrue(val.joined().contains("Peter"))
        var train = 0, chars = 0
        try src.forEachDocument(split: "train") { d in
            train += 1; chars += d.count
            XCTAssertFalse(d.contains("<|endoftext|>") || d.contains("START OF THIS PROJECT GUTENBERG"))
            return train < 2000
        }
        XCTAssertEqual(train, 2000)
        XCTAssertGreaterThan(chars / train, 500)                                // documents of paragraphs, not lines
    }

    /// An empty directory gets the books, not the generated corpus.
    func testEnsureChoosesBooksOverGeneratedCorpus() throws {
        XCTAssertNotNil(BundledCorpus.sourceDir())
        let dir = TestPaths.tempDir("ensure")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try BundledCorpus.ensure(dataDir: dir), "bundled")
        XCTAssertFalse(GeneratedCorpus.isGenerated(dataDir: dir))
    }

    func testZstdErrorsNameTheFile() throws {
        let dir = TestPaths.tempDir("zstd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: BundledCorpus.shardFiles(in: source).last!))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.zst"))
        try Data("not zstd".utf8).write(to: URL(fileURLWithPath: dir + "/bad.zst"))
        assertOneLineError({ _ = try ZstdFile.decompress(dir + "/cut.zst") }, contains: ["cut.zst", "truncated"])
        assertOneLineError({ _ = try ZstdFile.decompress(dir + "/bad.zst") }, contains: ["bad.zst", "zstd"])
    }
}
