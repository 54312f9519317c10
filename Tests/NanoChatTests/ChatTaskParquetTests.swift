import Foundation
import XCTest
@testable import NanoChat

/// SmolTalk, MMLU and GSM8K loaded from HF-shaped parquet files (Fixtures/parquet/sft, written by pyarrow),
/// and the mixture's nanochat order: default_rng(42).permutation(n) before any start-stop slice, with the
/// permutations numpy produced committed in expected.json.
final class ChatTaskParquetTests: XCTestCase {
    static let dir = DataParquetNestedTests.dir
    static func file(_ n: String) -> [String: [Any]] {
        let files = try! DataParquetNestedTests.expected()["files"] as! [String: [String: Any]]
        return files[n]!["columns"] as! [String: [Any]]
    }
    static func perm(_ n: Int) -> [Int] {
        (try! DataParquetNestedTests.expected()["perm42"] as! [String: [Int]])["\(n)"]!
    }

    func testSmolTalkParquet() throws {
        for name in ["smoltalk_zstd_v1.parquet", "smoltalk_snappy_v2.parquet"] {
            let task = try SmolTalk(path: Self.dir + "/" + name)
            let want = Self.file(name)["messages"]!
            XCTAssertEqual(task.count, want.count)
            for i in [0, 1, 4, 41, 89] {
                let c = try task.conversation(at: i)
                let rows = want[i] as! [[String: String]]
                XCTAssertEqual(c.messages.map { $0.role.rawValue }, rows.map { $0["role"]! }, "\(name) row \(i)")
                XCTAssertEqual(c.messages.map { $0.content.plainText }, rows.map { $0["content"]! })
                XCTAssertEqual(c.source, Self.dir + "/" + name + ":row \(i + 1)")
            }
        }
    }

    func testMMLUParquetAndDirectory() throws {
        let want = Self.file("mmlu_uncompressed_v1.parquet")
        for path in [Self.dir + "/mmlu_uncompressed_v1.parquet", Self.dir + "/mmlu_zstd_v2.parquet"] {
            let task = try MMLU(path: path)
            XCTAssertEqual(task.count, 120)
            for i in [0, 49, 50, 119] {
                let choices = want["choices"]![i] as! [String]
                let answer = want["answer"]![i] as! Int
                let c = try task.conversation(at: i)
                XCTAssertEqual(c.messages[0].content.plainText,
                               renderMC(question: want["question"]![i] as! String, letters: MMLU.letters, choices: choices))
                XCTAssertEqual(c.messages[1].content.plainText, MMLU.letters[answer])
                XCTAssertEqual(task.correctLetter(at: i), MMLU.letters[answer])
            }
        }
        // a directory of parquet shards reads them in name order (dataset --sft's layout)
        let tmp = TestPaths.tempDir("mmludir")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FileManager.default.copyItem(atPath: Self.dir + "/mmlu_zstd_v2.parquet", toPath: tmp + "/00000.parquet")
        try FileManager.default.copyItem(atPath: Self.dir + "/mmlu_uncompressed_v1.parquet", toPath: tmp + "/00001.parquet")
        let both = try MMLU(path: tmp)
        XCTAssertEqual(both.count, 240)
        XCTAssertEqual(try both.conversation(at: 120).source, tmp + "/00001.parquet:row 1")
    }

    func testGSM8KParquet() throws {
        let want = Self.file("gsm8k_snappy.parquet")
        let task = try GSM8K(path: Self.dir + "/gsm8k_snappy.parquet")
        XCTAssertEqual(task.count, 60)
        let c = try task.conversation(at: 7)
        XCTAssertEqual(c.messages[0].content.plainText, want["question"]![7] as? String)
        XCTAssertEqual(c.messages[1].content, .parts(GSM8K.parts(want["answer"]![7] as! String)))
        XCTAssertEqual(task.referenceAnswer(at: 7), "17")
    }

    /// nanochat's `Task(start, stop)` over `load_hub_dataset(...).shuffle(seed=42)`: row i of the slice is
    /// file row perm[start + i]; customjson/alpaca keep file order.
    func testMixtureEntriesShuffleThenSlice() throws {
        let mmlu = Self.file("mmlu_uncompressed_v1.parquet")["question"]!
        let p120 = Self.perm(120)
        let sliced = try MixtureSpec.task(MixtureEntry(task: "mmlu", path: Self.dir + "/mmlu_uncompressed_v1.parquet", start: 10, stop: 30))
        XCTAssertEqual(sliced.count, 20)
        for i in 0..<20 {
            XCTAssertTrue(try sliced.conversation(at: i).messages[0].content.plainText.contains(mmlu[p120[10 + i]] as! String))
        }
        let gsm = Self.file("gsm8k_snappy.parquet")["question"]!
        let whole = try MixtureSpec.task(MixtureEntry(task: "gsm8k", path: Self.dir + "/gsm8k_snappy.parquet"))
        XCTAssertEqual(try (0..<60).map { try whole.conversation(at: $0).messages[0].content.plainText },
                       Self.perm(60).map { gsm[$0] as! String })
        let smol = try MixtureSpec.task(MixtureEntry(task: "smoltalk", path: Self.dir + "/smoltalk_zstd_v1.parquet", stop: 5))
        XCTAssertEqual(try (0..<5).map { try smol.conversation(at: $0).source },
                       Self.perm(90).prefix(5).map { Self.dir + "/smoltalk_zstd_v1.parquet:row \($0 + 1)" })
        // a directory of shards is shuffled as one dataset (nanochat concatenates the shards, then shuffles)
        let tmp = TestPaths.tempDir("smoldir")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FileManager.default.copyItem(atPath: Self.dir + "/smoltalk_zstd_v1.parquet", toPath: tmp + "/00000.parquet")
        try FileManager.default.copyItem(atPath: Self.dir + "/smoltalk_snappy_v2.parquet", toPath: tmp + "/00001.parquet")
        let dirTask = try MixtureSpec.task(MixtureEntry(task: "smoltalk", path: tmp))
        XCTAssertEqual(dirTask.count, 180)
        let p180 = NumpyPermutation.permutation(180)
        XCTAssertEqual(try dirTask.conversation(at: 0).source,
                       p180[0] < 90 ? tmp + "/00000.parquet:row \(p180[0] + 1)" : tmp + "/00001.parquet:row \(p180[0] - 89)")
    }

    /// The real sizes: MMLU test[:5200] is spread over all subjects (the first rows of the permutation of
    /// 14042, as numpy gives them), not the alphabetically first ones.
    func testDefaultValSliceIsNanochatsRows() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("numpy_permutation.json")))
        let perms = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["perms"] as! [String: Any]
        for n in [1319, 14042] {
            XCTAssertEqual(Array(TaskShuffle(CountTask(n)).order.prefix(20)), (perms["\(n)"] as! [String: Any])["head"] as! [Int])
        }
        let val = MixtureSpec.defaults(sftDataDir: "/nonexistent").val
        XCTAssertTrue(val.isEmpty)
    }
}

/// n empty conversations (for order tests).
private final class CountTask: ChatTask {
    let name = "count"
    let count: Int
    init(_ n: Int) { count = n }
    func conversation(at index: Int) throws -> Conversation { Conversation(messages: [], source: "\(index)") }
}
