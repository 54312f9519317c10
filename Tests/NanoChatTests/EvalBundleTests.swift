import XCTest
@testable import NanoChat

/// Task bundles: nanochat's layout (core.yaml + eval_meta_data.csv + eval_data/), the flat layout of
/// ../shared/data/core, and (when present) a 4-examples-per-task run over the real tasks.
final class EvalBundleTests: XCTestCase {
    func testNanochatLayout() throws {
        let dir = TestPaths.tempDir("bundle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/eval_data/world_knowledge", withIntermediateDirectories: true)
        try """
        icl_tasks:
        -
          label: jeopardy
          dataset_uri: world_knowledge/jeopardy_all.jsonl
          num_fewshot: [10]
          icl_task_type: language_modeling
          continuation_delimiter: "\\nAnswer: "
          has_categories: true
        -
          label: copa
          dataset_uri: commonsense_reasoning/copa.jsonl
          num_fewshot: [0]
          icl_task_type: multiple_choice
        """.write(toFile: dir + "/core.yaml", atomically: true, encoding: .utf8)
        try """
        Eval Task,Task Category,Task Type,#shots,#datapoints,Random baseline,Centered Metric?,Description
        jeopardy,world knowledge,language modeling,10,2117,0,,"Jeopardy, with ""quotes"" and
        a newline"
        copa,commonsense reasoning,multiple choice,0,100,50,,"COPA"
        """.write(toFile: dir + "/eval_meta_data.csv", atomically: true, encoding: .utf8)
        try "{\"context\": \"c\", \"continuation\": \"d\"}\n".write(toFile: dir + "/eval_data/world_knowledge/jeopardy_all.jsonl", atomically: true, encoding: .utf8)
        let b = try CoreBundle(dir: dir)
        XCTAssertEqual(b.tasks.count, 1)
        let t = b.tasks[0]
        XCTAssertEqual(t.label, "jeopardy"); XCTAssertEqual(t.kind, .languageModeling); XCTAssertEqual(t.numFewshot, 10)
        XCTAssertEqual(t.delimiter, "\nAnswer: "); XCTAssertEqual(t.randomBaseline, 0)
        XCTAssertEqual(try t.loadItems(), [.languageModeling(context: "c", continuation: "d")])
        XCTAssertEqual(b.skipped.map(\.label), ["copa"])
        XCTAssertTrue(b.skipped[0].reason.hasPrefix("file absent"))
        XCTAssertEqual(try CSV.rows("a,\"b,\"\"c\"\"\nd\"\r\ne,f\n"), [["a", "b,\"c\"\nd"], ["e", "f"]])
    }

    func testMissingBundleAndBadYAML() throws {
        let dir = TestPaths.tempDir("nobundle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try CoreBundle(dir: dir)) { XCTAssertTrue("\($0)".contains("core.yaml missing"), "\($0)") }
        try "icl_tasks:\n- label: x\n  icl_task_type: essay\n  num_fewshot: 0\n  file: x.jsonl\n  random_baseline: 0\n"
            .write(toFile: dir + "/core.yaml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CoreBundle(dir: dir)) { XCTAssertTrue("\($0)".contains("unknown icl_task_type essay"), "\($0)") }
        try "icl_tasks:\n- label: x\n  bogus line\n".write(toFile: dir + "/core.yaml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CoreBundle(dir: dir)) { XCTAssertTrue("\($0)".contains("core.yaml:3: expected 'key: value'"), "\($0)") }
    }

    func testSharedFlatLayout() throws {
        guard let shared = TestPaths.shared else { throw XCTSkip("../shared/data not present") }
        let b = try CoreBundle(dir: shared + "/data/core")
        XCTAssertEqual(b.declaredCount, 22)
        XCTAssertEqual(Set(b.skipped.map(\.label)), ["squad", "coqa"])
        XCTAssertEqual(b.tasks.first?.label, "hellaswag_zeroshot")
        let byLabel = Dictionary(uniqueKeysWithValues: b.tasks.map { ($0.label, $0) })
        XCTAssertEqual(byLabel["commonsense_qa"]?.randomBaseline, 20)
        XCTAssertEqual(byLabel["bigbench_language_identification"]?.randomBaseline, 9.1)
        XCTAssertEqual(byLabel["agi_eval_lsat_ar"]?.numFewshot, 3)
        XCTAssertEqual(byLabel["piqa"]?.delimiter, "\nAnswer: ")
        XCTAssertEqual(byLabel["winogrande"]?.kind, .schema)
    }

    /// 4 examples per available real task with a table model: the table has one line per task.
    func testIntegrationFourPerTask() throws {
        guard let shared = TestPaths.shared else { throw XCTSkip("../shared/data not present") }
        let b = try CoreBundle(dir: shared + "/data/core")
        let m = BigramTableModel()
        m.prefer(" ", "t"); m.prefer("t", "h"); m.prefer("h", "e")
        var lines: [String] = []
        let r = try CoreEval.evaluate(bundle: b, model: m, tokenizer: ByteTokenizer(), maxPerTask: 4, dist: .single) { lines.append($0) }
        XCTAssertEqual(r.tasks.map(\.label), b.tasks.map(\.label))
        XCTAssertEqual(r.tasks.count, 20)
        for t in r.tasks {
            XCTAssertEqual(t.examples, 4, t.label)
            XCTAssertTrue([0, 0.25, 0.5, 0.75, 1].contains(t.accuracy), "\(t.label) \(t.accuracy)")
        }
        XCTAssertEqual(lines.filter { $0.hasPrefix("Evaluating: ") }.count, 20)
        XCTAssertEqual(lines.filter { $0.hasPrefix("Skipping: ") }.count, 2)
        let csv = r.csv.split(separator: "\n")
        XCTAssertEqual(csv.count, 22)
        XCTAssertTrue(csv.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 3 })
        XCTAssertTrue(r.coreLine.contains("averaged over 20 of 22 tasks"))
        print(r.csv)
    }
}
