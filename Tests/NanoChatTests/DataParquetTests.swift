import Foundation
import XCTest
@testable import NanoChat

/// Our parquet reader against files written by real pyarrow (dev/data/make_parquet_fixtures.py).
final class DataParquetTests: XCTestCase {
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
        return h
    }

    func testPyarrowFixtures() throws {
        let dir = TestPaths.fixture("parquet")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json"))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let lists = root["lists"] as! [String: [Any]]
        let files = root["files"] as! [String: [String: Any]]
        XCTAssertGreaterThanOrEqual(files.count, 7)
        for (name, info) in files.sorted(by: { $0.key < $1.key }) {
            let expectRG = info["row_groups"] as! [Int]
            let expect = lists[info["list"] as! String]!.map { ($0 as? String) ?? "" }   // null → ""
            let pf = try ParquetFile(path: dir + "/" + name)
            XCTAssertEqual(pf.numRowGroups, expectRG.count, name)
            var got: [String] = []
            var invalid = 0
            for i in 0..<pf.numRowGroups {
                let (t, bad) = try pf.readTexts(rowGroup: i)
                XCTAssertEqual(t.count, expectRG[i], "\(name) rg \(i)")
                got += t; invalid += bad
            }
            XCTAssertEqual(got.count, expect.count, name)
            for (k, (a, b)) in zip(got, expect).enumerated() where a != b {
                XCTFail("\(name) row \(k): \(a.prefix(80)) != \(b.prefix(80))"); break
            }
            XCTAssertEqual(invalid, name == "invalid_utf8.parquet" ? 2 : 0, name)
            print("  \(name): \(got.count) rows in \(pf.numRowGroups) row groups OK")
        }
    }

    /// The loader fixture shards, written with nanochat's exact settings: every row group's rows.
    func testNanochatShards() throws {
        let digest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("parquet/loader_bestfit_digest.json")))) as! [String: [[String: Any]]]
        for (name, rgs) in digest {
            let pf = try ParquetFile(path: TestPaths.fixture("loader_bestfit/" + name))
            XCTAssertEqual(pf.numRowGroups, rgs.count)
            for (i, rg) in rgs.enumerated() {
                let t = try pf.readTexts(rowGroup: i).texts
                XCTAssertEqual(t.count, rg["rows"] as! Int)
                XCTAssertEqual(String(Self.fnv1a(t.joined(separator: "\u{0}"))), rg["fnv"] as! String, "\(name) rg \(i)")
                XCTAssertEqual(String(t[0].unicodeScalars.prefix(60)), rg["first"] as! String)
            }
        }
    }

    func testCorruptFilesAreOneLineErrorsNamingTheFile() throws {
        let tmp = TestPaths.tempDir("pqbad")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let good = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("loader_bestfit/shard_00001.parquet")))
        var cases: [(String, Data)] = [
            ("truncated.parquet", good.prefix(good.count - 100)),
            ("garbage.parquet", Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })),
            ("empty.parquet", Data()),
        ]
        // bytes cut out of the middle: the footer survives but its offsets point at the wrong data
        // (a flipped byte inside a zstd frame is not detectable: pyarrow writes no checksums)
        cases.append(("middle_cut.parquet", good.prefix(20_000) + good.suffix(from: 30_000)))
        for (name, bytes) in cases {
            let path = tmp + "/" + name
            try bytes.write(to: URL(fileURLWithPath: path))
            do {
                let pf = try ParquetFile(path: path)
                for i in 0..<pf.numRowGroups { _ = try pf.readTexts(rowGroup: i) }
                XCTFail("\(name): no error")
            } catch let e as NanoChatError {
                XCTAssertTrue(e.message.contains(path), e.message)
                XCTAssertFalse(e.message.contains("\n"), e.message)
                print("  \(name): \(e.message)")
            }
        }
        XCTAssertThrowsError(try ParquetFile(path: TestPaths.fixture("parquet/no_text_column.parquet"))) { e in
            XCTAssertTrue("\(e)".contains("no top-level column 'text'"), "\(e)")
        }
    }

    /// Random byte flips anywhere in real files: errors or (undetectable) altered text, never a crash.
    func testFuzzedFilesNeverCrash() throws {
        let tmp = TestPaths.tempDir("pqfuzz")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var rng = RNG(seed: 7)
        var errors = 0, reads = 0
        for name in ["zstd_plain.parquet", "snappy_nulls.parquet", "uncompressed_dict.parquet", "v2_zstd_dict.parquet", "v2_snappy_plain.parquet"] {
            let good = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("parquet/" + name)))
            for _ in 0..<150 {
                var bad = good
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    bad[Int(rng.next() % UInt64(bad.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                let path = tmp + "/f.parquet"
                try bad.write(to: URL(fileURLWithPath: path))
                do {
                    let pf = try ParquetFile(path: path)
                    for i in 0..<pf.numRowGroups { _ = try pf.readTexts(rowGroup: i) }
                    reads += 1
                } catch let e as NanoChatError {
                    XCTAssertTrue(e.message.hasPrefix(path + ": "), e.message); errors += 1
                }
            }
        }
        print("  fuzz: \(errors) one-line errors, \(reads) reads of undetectably altered files")
    }

    func testSnappyLiteralAndOverlappingCopy() throws {
        // "abcabcabcabcX": varint 13, literal "abc" (tag 2<<2), copy len 9 offset 3 (tag 2: (9-1)<<2|2), literal "X"
        let src: [UInt8] = [13, 2 << 2, 97, 98, 99, UInt8((9 - 1) << 2 | 2), 3, 0, 0, 88]
        let out = try src.withUnsafeBytes { try Snappy.decompress($0, expected: 13) }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "abcabcabcabcX")
        XCTAssertThrowsError(try src.withUnsafeBytes { try Snappy.decompress($0, expected: 14) })
    }

    func testHybridRLE() throws {
        // RLE run of 5 × value 1 (bit width 1), then one bit-packed group of 8: 0b10110010
        let bytes: [UInt8] = [5 << 1, 1, (1 << 1) | 1, 0b1011_0010]
        let v = try bytes.withUnsafeBytes { try ParquetPages.decodeHybrid($0, bitWidth: 1, count: 13) }
        XCTAssertEqual(v, [1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1])
    }
}
