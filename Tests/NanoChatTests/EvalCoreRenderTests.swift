import XCTest
@testable import NanoChat

/// CORE data order, few-shot picks, prompt rendering, token ids and scored spans against
/// Fixtures/core_render.json (nanochat 92d63d4's own core_eval on real task files, 9 tasks).
final class EvalCoreRenderTests: XCTestCase {
    struct Example { let idx: Int; let item: CoreItem; let fewshot: [Int]; let prompts: [String]; let tokens: [[Int32]]; let start: [Int]; let end: [Int] }
    struct TaskFixture { let label: String; let kind: CoreTask.Kind; let shots: Int; let delimiter: String; let items: [CoreItem]; let examples: [Example] }

    static func item(_ d: [String: Any], _ kind: CoreTask.Kind) -> CoreItem {
        switch kind {
        case .multipleChoice: return .multipleChoice(query: d["query"] as! String, choices: d["choices"] as! [String], gold: (d["gold"] as! NSNumber).intValue)
        case .schema: return .schema(contextOptions: d["context_options"] as! [String], continuation: d["continuation"] as! String, gold: (d["gold"] as! NSNumber).intValue)
        case .languageModeling: return .languageModeling(context: d["context"] as! String, continuation: d["continuation"] as! String)
        }
    }

    static let fixture: [TaskFixture] = {
        let data = FileManager.default.contents(atPath: TestPaths.fixture("core_render.json"))!
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        let tasks = root["tasks"] as! [String: Any]
        return tasks.keys.sorted().map { label in
            let t = tasks[label] as! [String: Any]
            let kind = CoreTask.Kind(rawValue: t["icl_task_type"] as! String)!
            let items = (t["shuffled_first_items"] as! [[String: Any]]).map { item($0, kind) }
            let examples = (t["examples"] as! [[String: Any]]).map { e in
                Example(idx: (e["idx"] as! NSNumber).intValue, item: item(e["item"] as! [String: Any], kind),
                        fewshot: (e["fewshot_indices"] as! [NSNumber]).map(\.intValue), prompts: e["prompts"] as! [String],
                        tokens: (e["tokens"] as! [[NSNumber]]).map { $0.map { Int32($0.intValue) } },
                        start: (e["start"] as! [NSNumber]).map(\.intValue), end: (e["end"] as! [NSNumber]).map(\.intValue))
            }
            return TaskFixture(label: label, kind: kind, shots: (t["num_fewshot"] as! NSNumber).intValue,
                               delimiter: t["continuation_delimiter"] as! String, items: items, examples: examples)
        }
    }()

    func task(_ f: TaskFixture) -> CoreTask {
        CoreTask(label: f.label, kind: f.kind, numFewshot: f.shots, delimiter: f.delimiter, randomBaseline: 0, path: "")
    }

    func testFewshotAndRendering() {
        XCTAssertEqual(Self.fixture.count, 9)
        var checked = 0
        for f in Self.fixture {
            for e in f.examples {
                XCTAssertEqual(f.items[e.idx], e.item, "\(f.label) #\(e.idx) item")
                let shots = CoreRender.fewshotIndices(count: f.items.count, idx: e.idx, k: f.shots)
                XCTAssertEqual(shots, e.fewshot, "\(f.label) #\(e.idx) few-shot indices")
                let prompts = CoreRender.prompts(e.item, fewshot: shots.map { f.items[$0] }, delimiter: f.delimiter)
                XCTAssertEqual(prompts.count, e.prompts.count, "\(f.label) #\(e.idx)")
                for (a, b) in zip(prompts, e.prompts) {
                    // compare bytes: Swift String == is canonical equivalence, nanochat compares code points
                    XCTAssertEqual(Array(a.utf8), Array(b.utf8), "\(f.label) #\(e.idx) prompt")
                }
                checked += 1
            }
        }
        XCTAssertEqual(checked, 27)
    }

    /// Span logic on nanochat's own token ids: common prefix (MC), common suffix (schema).
    func testSpansFromFixtureTokens() {
        for f in Self.fixture {
            for e in f.examples {
                switch f.kind {
                case .multipleChoice:
                    XCTAssertEqual(e.start, Array(repeating: CoreRender.commonPrefixLength(e.tokens), count: e.tokens.count), f.label)
                case .schema:
                    let s = CoreRender.commonSuffixLength(e.tokens)
                    XCTAssertEqual(e.start, e.tokens.map { $0.count - s }, f.label)
                case .languageModeling:
                    XCTAssertEqual(e.tokens.count, 1); XCTAssertLessThan(e.start[0], e.end[0])
                }
                XCTAssertEqual(e.end, e.tokens.map(\.count), f.label)
            }
        }
    }

    /// The real task files (when ../shared/data/core exists): load, Random(1337) shuffle, truncate to 16.
    func testShuffleOfRealTaskFiles() throws {
        guard let shared = TestPaths.shared else { throw XCTSkip("../shared/data not present") }
        let bundle = try CoreBundle(dir: shared + "/data/core")
        for f in Self.fixture {
            guard let t = bundle.tasks.first(where: { $0.label == f.label }) else { XCTFail("\(f.label) not in bundle"); continue }
            XCTAssertEqual(t.kind, f.kind); XCTAssertEqual(t.numFewshot, f.shots); XCTAssertEqual(t.delimiter, f.delimiter)
            let data = CoreTask.shuffledAndTruncated(try t.loadItems(), maxPerTask: 16)
            XCTAssertEqual(data, f.items, "\(f.label): shuffled data")
        }
    }

    /// Token ids and spans with the BPE tokenizer of Fixtures/tokenizer_multi_4096.
    func testTokensAndSpans() throws {
        guard let tok = try Self.bpeTokenizer() else {
            throw XCTSkip("BPE Tokenizer (Tokenizer.load(tiktokenFile:)) not merged into this branch yet")
        }
        for f in Self.fixture {
            for e in f.examples {
                let p = try CoreRender.prepare(task(f), data: f.items, idx: e.idx, tokenizer: tok)
                XCTAssertEqual(p.rows, e.tokens, "\(f.label) #\(e.idx) tokens")
                XCTAssertEqual(p.starts, e.start, "\(f.label) #\(e.idx) start")
                XCTAssertEqual(p.ends, e.end, "\(f.label) #\(e.idx) end")
            }
        }
    }

    static func bpeTokenizer() throws -> TextTokenizer? { nil }
}
