import Foundation
import XCTest
@testable import NanoChat

/// The nested-column reader against pyarrow (dev/data/make_sft_parquet_fixtures.py wrote the files and
/// expected.json): list<string>, list<struct<content, role>>, int32/int64, nulls and empty lists, several
/// row groups and pages, dictionary and plain, v1 and v2 pages, zstd, snappy and uncompressed.
final class DataParquetNestedTests: XCTestCase {
    static let dir = TestPaths.fixture("parquet/sft")

    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func testEveryColumnMatchesPyarrow() throws {
        let files = try Self.expected()["files"] as! [String: [String: Any]]
        XCTAssertEqual(files.count, 7)
        var checked = 0
        for (name, info) in files.sorted(by: { $0.key < $1.key }) {
            let pf = try ParquetFile(path: Self.dir + "/" + name, column: nil)
            XCTAssertEqual((0..<pf.numRowGroups).map(pf.rowGroupRows), info["row_groups"] as! [Int], name)
            let columns = info["columns"] as! [String: [Any]]
            for (col, values) in columns {
                let probe = values.first { !($0 is NSNull) && !(($0 as? [Any])?.isEmpty ?? false) }
                if probe is String {
                    XCTAssertEqual(try pf.strings(col), values.map { $0 as? String ?? "" }, "\(name) \(col)")
                } else if probe is NSNumber {
                    XCTAssertEqual(try pf.ints(col), values.map { Int64(($0 as? NSNumber)?.int64Value ?? 0) }, "\(name) \(col)")
                } else if let list = probe as? [Any], list.contains(where: { $0 is [String: Any] }) {
                    let want: [[[String]]] = values.map { row in
                        (row as? [Any] ?? []).map { e in
                            let d = e as? [String: Any] ?? [:]
                            return [d["content"] as? String ?? "", d["role"] as? String ?? ""]
                        }
                    }
                    XCTAssertEqual(try pf.structLists(col, fields: ["content", "role"]), want, "\(name) \(col)")
                } else {
                    let want: [[String]] = values.map { row in (row as? [Any] ?? []).map { $0 as? String ?? "" } }
                    XCTAssertEqual(try pf.stringLists(col), want, "\(name) \(col)")
                }
                checked += 1
            }
        }
        print("  \(checked) columns of \(files.count) files match pyarrow")
        XCTAssertEqual(checked, 2 * 2 + 4 * 2 + 2 + 5 * 2)
    }

    func testWrongShapeIsOneLine() throws {
        let path = Self.dir + "/mmlu_zstd_v2.parquet"
        let pf = try ParquetFile(path: path, column: nil)
        assertOneLineError({ _ = try pf.strings("choices") }, contains: [path, "no column 'choices'", "choices.list.element"])
        assertOneLineError({ _ = try pf.stringLists("question") }, contains: [path, "no list column 'question'"])
        assertOneLineError({ _ = try pf.ints("question") }, contains: [path, "not an integer column"])
        assertOneLineError({ _ = try pf.structLists("choices", fields: ["role"]) }, contains: [path, "choices.…role"])
        assertOneLineError({ _ = try ParquetFile(path: path, column: "choices") }, contains: [path, "no top-level column 'choices'"])
    }

    /// Byte flips in nested files: one-line errors or (undetectable) altered values, never a crash.
    func testFuzzedNestedFilesNeverCrash() throws {
        let tmp = TestPaths.tempDir("pqnested")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var rng = RNG(seed: 11)
        var errors = 0, reads = 0
        for name in ["smoltalk_zstd_v1.parquet", "smoltalk_snappy_v2.parquet", "mmlu_uncompressed_v1.parquet", "edge_v1_dict.parquet", "edge_v2_plain.parquet"] {
            let good = try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/" + name))
            for _ in 0..<60 {
                var bad = good
                for _ in 0..<(1 + Int(rng.next() % 3)) { bad[Int(rng.next() % UInt64(bad.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                let path = tmp + "/f.parquet"
                try bad.write(to: URL(fileURLWithPath: path))
                do {
                    let pf = try ParquetFile(path: path, column: nil)
                    if name.hasPrefix("mmlu") { _ = try pf.stringLists("choices"); _ = try pf.ints("answer") }
                    else if name.hasPrefix("edge") { _ = try pf.stringLists("tags") }
                    _ = try? pf.structLists("messages", fields: ["content", "role"])
                    reads += 1
                } catch let e as NanoChatError {
                    XCTAssertTrue(e.message.hasPrefix(path + ": "), e.message); XCTAssertFalse(e.message.contains("\n")); errors += 1
                }
            }
        }
        print("  nested fuzz: \(errors) one-line errors, \(reads) reads")
    }
}
