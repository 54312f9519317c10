import XCTest
@testable import NanoChat

/// CORE scoring of each task type on hand-made tasks with a bigram table model whose answers are known.
final class EvalCoreScoringTests: XCTestCase {
    let tok = ByteTokenizer()

    /// a→b, x→' ', ' '→a, p→' ': "…ab" beats "…ac", "x" continues greedily as " ab", option "p" beats "r".
    func model() -> BigramTableModel {
        let m = BigramTableModel()
        m.prefer("a", "b"); m.prefer("x", " "); m.prefer(" ", "a"); m.prefer("p", " ")
        return m
    }

    static func jsonl(_ rows: [[String: Any]]) -> String {
        rows.map { String(decoding: try! JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
            .joined(separator: "\n") + "\n"
    }

    /// A flat-layout bundle (like ../shared/data/core) with four runnable tasks and two unavailable ones.
    static func makeBundle() throws -> String {
        let dir = TestPaths.tempDir("core")
        func write(_ name: String, _ text: String) throws { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        try write("core.yaml", """
        # test bundle
        icl_tasks:
        - label: mc_good
          file: mc_good.jsonl
          icl_task_type: multiple_choice
          num_fewshot: 1
          continuation_delimiter: " "
          random_baseline: 25
        - label: mc_bad
          file: mc_bad.jsonl   # gold is always the unlikely choice
          icl_task_type: multiple_choice
          num_fewshot: 0
          random_baseline: 50
        - label: schema_good
          file: schema.jsonl
          icl_task_type: schema
          num_fewshot: 0
          continuation_delimiter: ' '
          random_baseline: 50
        - label: lm_half
          file: lm.jsonl
          icl_task_type: language_modeling
          num_fewshot: 1
          continuation_delimiter: " "
          random_baseline: 0
        - label: absent
          file: absent.jsonl
          icl_task_type: language_modeling
          num_fewshot: 0
          random_baseline: 0
        - label: other_format
          file: [a.json, b.json]
          icl_task_type: language_modeling
          num_fewshot: 0
          random_baseline: 0
        """)
        try write("mc_good.jsonl", jsonl(["q", "s", "t", "u"].map { ["query": $0, "choices": ["ab", "ac"], "gold": 0] }))
        try write("mc_bad.jsonl", jsonl(["q", "s", "t", "u"].map { ["query": $0, "choices": ["ab", "ac"], "gold": 1] }))
        try write("schema.jsonl", jsonl((0..<3).map { _ in ["context_options": ["p", "r"], "continuation": "ab", "gold": 0] }))
        try write("lm.jsonl", jsonl([["context": " x ", "continuation": "ab"], ["context": "x", "continuation": "ac"],
                                     ["context": "x\n", "continuation": "ab"], ["context": "x", "continuation": "abc"]]))
        return dir
    }

    func testEachTypeAndCenteredAndCSV() throws {
        let dir = try Self.makeBundle()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bundle = try CoreBundle(dir: dir)
        XCTAssertEqual(bundle.tasks.map(\.label), ["mc_good", "mc_bad", "schema_good", "lm_half"])
        XCTAssertEqual(bundle.skipped.map(\.label), ["absent", "other_format"])
        XCTAssertEqual(bundle.declaredCount, 6)
        var lines: [String] = []
        let r = try CoreEval.evaluate(bundle: bundle, model: model(), tokenizer: tok, maxPerTask: -1, dist: .single) { lines.append($0) }
        XCTAssertEqual(r.tasks.map(\.accuracy), [1.0, 0.0, 1.0, 0.5])
        XCTAssertEqual(r.tasks.map(\.examples), [4, 4, 3, 4])
        XCTAssertEqual(r.tasks[0].centered, 1.0, accuracy: 1e-12)
        XCTAssertEqual(r.tasks[1].centered, -1.0, accuracy: 1e-12)       // (0 - 0.5) / (1 - 0.5)
        XCTAssertEqual(r.tasks[3].centered, 0.5, accuracy: 1e-12)
        XCTAssertEqual(CoreEval.centered(0.4, randomBaseline: 25), (0.4 - 0.25) / 0.75, accuracy: 1e-15)
        XCTAssertEqual(r.core, 0.375, accuracy: 1e-12)
        XCTAssertTrue(r.coreLine.hasPrefix("CORE metric: 0.3750 (averaged over 4 of 6 tasks; skipped: absent, other_format)"), r.coreLine)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Evaluating: mc_good (1-shot, type: multiple_choice)... accuracy: 1.0000 | centered: 1.0000 | time: ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("Evaluating: lm_half (1-shot, type: language_modeling)... accuracy: 0.5000 | centered: 0.5000 | time: ") })
        let csv = r.csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(csv[0], "Task                               , Accuracy  , Centered  ")
        XCTAssertEqual(csv[2], "mc_bad                             , 0.000000  , -1.000000 ")
        XCTAssertEqual(csv[5], "CORE                               ,           , 0.375000  ")
        XCTAssertEqual(csv.count, 7) // header, 4 tasks, CORE, trailing newline
        let out = TestPaths.tempDir("csv")
        let path = try r.writeCSV(step: 1234, dir: out)
        XCTAssertTrue(path.hasSuffix("/base_model_001234.csv"))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), r.csv)
        try? FileManager.default.removeItem(atPath: out)
    }

    func testMaxPerTaskAndFewshotClamp() throws {
        let dir = try Self.makeBundle()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CoreEval.evaluate(bundle: try CoreBundle(dir: dir), model: model(), tokenizer: tok, maxPerTask: 1, dist: .single) { _ in }
        XCTAssertEqual(r.tasks.map(\.examples), [1, 1, 1, 1]) // 1-shot with one example: no few-shot pool, clamped to 0
    }

    /// Scored spans per type with byte tokens: MC common prefix, schema common suffix, LM strict prefix.
    func testSpans() throws {
        let mc = CoreTask(label: "m", kind: .multipleChoice, numFewshot: 0, delimiter: " ", randomBaseline: 0, path: "")
        var p = try CoreRender.prepare(mc, data: [.multipleChoice(query: "q", choices: ["ab", "ac"], gold: 0)], idx: 0, tokenizer: tok)
        XCTAssertEqual(p.starts, [4, 4]); XCTAssertEqual(p.ends, [5, 5])
        let sc = CoreTask(label: "s", kind: .schema, numFewshot: 0, delimiter: " ", randomBaseline: 0, path: "")
        p = try CoreRender.prepare(sc, data: [.schema(contextOptions: ["p", "rr"], continuation: "ab", gold: 1)], idx: 0, tokenizer: tok)
        XCTAssertEqual(p.starts, [2, 3]); XCTAssertEqual(p.ends, [5, 6]); XCTAssertEqual(p.gold, 1)
        let lm = CoreTask(label: "l", kind: .languageModeling, numFewshot: 0, delimiter: "\nAnswer: ", randomBaseline: 0, path: "")
        p = try CoreRender.prepare(lm, data: [.languageModeling(context: "  Q? ", continuation: "yes")], idx: 0, tokenizer: tok)
        XCTAssertEqual(p.rows, [[256] + tok.encodeOrdinary("Q?\nAnswer: yes")])
        XCTAssertEqual(p.starts, [1 + "Q?\nAnswer:".utf8.count]); XCTAssertEqual(p.ends, [p.rows[0].count])
        // an empty continuation (and delimiter) leaves no strict prefix: one clear error
        let lm0 = CoreTask(label: "l", kind: .languageModeling, numFewshot: 0, delimiter: "", randomBaseline: 0, path: "")
        XCTAssertThrowsError(try CoreRender.prepare(lm0, data: [.languageModeling(context: "Q", continuation: "")], idx: 0, tokenizer: tok)) {
            XCTAssertTrue("\($0)".contains("l: example 0"), "\($0)")
        }
    }

    /// A choice lying entirely in the common prefix has an empty span, mean NaN; Python's
    /// `index(min(values))` then picks a leading NaN and never a later one.
    func testNaNChoiceEdgeCase() throws {
        XCTAssertEqual(CoreEval.firstMinIndex([.nan, 1.0]), 0)
        XCTAssertEqual(CoreEval.firstMinIndex([1.0, .nan]), 0)
        XCTAssertEqual(CoreEval.firstMinIndex([2.0, .nan, 1.0]), 2)
        XCTAssertEqual(CoreEval.firstMinIndex([1.0, 1.0]), 0)
        let m = model()
        m.prefer("a", " ", 20); m.prefer(" ", "b", 20)  // makes choice "a b" very likely
        let mc = CoreTask(label: "m", kind: .multipleChoice, numFewshot: 0, delimiter: " ", randomBaseline: 0, path: "")
        for (choices, gold, want) in [(["a", "a b"], 0, true), (["a", "a b"], 1, false), (["a b", "a"], 0, true)] {
            let p = try CoreRender.prepare(mc, data: [.multipleChoice(query: "q", choices: choices, gold: gold)], idx: 0, tokenizer: tok)
            XCTAssertEqual(CoreEval.isCorrect(p, kind: .multipleChoice, model: m, bosId: tok.bosId), want, "\(choices) gold \(gold)")
        }
    }

    func testPythonStrip() {
        XCTAssertEqual(CoreRender.pyStrip(" \t\u{0B}\u{0C}\u{1C}\u{85}\u{A0}\u{3000}a b\u{2028}\n "), "a b")
        XCTAssertEqual(CoreRender.pyStrip("\u{200B}a\u{FEFF}"), "\u{200B}a\u{FEFF}") // not whitespace to Python
        XCTAssertEqual(CoreRender.pyStrip("   "), "")
    }

    func testMalformedRowsNameFileAndLine() throws {
        let dir = TestPaths.tempDir("bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(CoreTask.Kind, String, String)] = [
            (.multipleChoice, "{\"query\": \"q\", \"choices\": [\"a\"], \"gold\": 0}\n{\"query\": \"q\", \"choices\": [\"a\"], \"gold\": 3}\n", ":2: gold 3 out of range"),
            (.schema, "\n{\"context_options\": [\"a\"], \"gold\": 0}\n", ":2: 'continuation' missing"),
            (.languageModeling, "{\"context\": \"c\", \"continuation\": \"d\"}\n{oops\n", ":2: not a JSON object"),
        ]
        for (kind, text, want) in cases {
            let path = dir + "/t.jsonl"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let t = CoreTask(label: "t", kind: kind, numFewshot: 0, delimiter: " ", randomBaseline: 0, path: path)
            XCTAssertThrowsError(try t.loadItems()) { XCTAssertTrue("\($0)".contains(path + want), "\($0)") }
        }
    }
}
