import Foundation
import XCTest
@testable import NanoChat

/// The data shipped in data/sft and data/core: chat_sft's offline mixture, the default val holdout, and
/// base_eval's CORE fallback. None of it needs ../shared.
final class BundledDataTests: XCTestCase {
    var sftSource: String { TestPaths.repoRoot + "/data/sft" }
    var coreSource: String { TestPaths.repoRoot + "/data/core" }

    /// No --mixture and an empty sft_data: the bundled files are decompressed once, every conversation parses
    /// (and renders: roles alternate, calculator calls are python parts), and 5% of each task is held out.
    func testBundledMixtureWithHoldout() throws {
        XCTAssertEqual(BundledSFT.sourceDir().map { URL(fileURLWithPath: $0).standardized.path },
                       URL(fileURLWithPath: sftSource).standardized.path)
        let dir = TestPaths.tempDir("sftbundle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = SFTOptions()
        o.sftDataDir = dir + "/sft_data"
        let r = try SFTMixtures.resolve(o, bundleSource: sftSource, bundleInstallDir: dir + "/sft_bundled")
        XCTAssertEqual(r.train.map(\.task), ["gsm8k", "mmlu", "customjson"])
        XCTAssertEqual(r.train.map(\.epochs), [4, 3, SFTMixtures.conversationEpochs])
        XCTAssertEqual(r.val.map(\.task), ["gsm8k", "mmlu", "customjson"])
        XCTAssertEqual(r.notes.count, 2)
        XCTAssertTrue(r.notes[0].contains("using the mixture bundled in") && r.notes[1].contains("held out"), "\(r.notes)")
        XCTAssertFalse(r.notes.joined().contains("\n"))
        // GSM8K train: 7,473 rows, the last 374 held out; MMLU dev 285 → 15; train and val never overlap
        XCTAssertEqual(r.train[0].stop, 7473 - 374); XCTAssertEqual(r.val[0].start, 7473 - 374); XCTAssertEqual(r.val[0].stop, 7473)
        XCTAssertEqual(r.train[1].stop, 285 - 15); XCTAssertEqual(try MixtureSpec.task(r.val[1]).count, 15)
        let convs = try MixtureSpec.task(MixtureEntry(task: "customjson", path: r.train[2].path))
        XCTAssertGreaterThan(convs.count, 300)
        var tools = 0, identity = 0
        for i in 0..<convs.count {
            let c = try convs.conversation(at: i)
            _ = try Tokenizer.alternatingMessages(c)
            for m in c.messages {
                if case .parts(let ps) = m.content {
                    for case .python(let expr) in ps {
                        tools += 1
                        let out = ps.first { if case .pythonOutput = $0 { return true }; return false }
                        XCTAssertEqual(Calculator.evaluate(expr), out?.text, "\(c.source): \(expr)")
                    }
                }
                if m.role == .assistant && m.content.plainText.contains("NanoChat") { identity += 1 }
            }
        }
        XCTAssertGreaterThan(tools, 100)
        XCTAssertGreaterThan(identity, 50)
        // a second run finds the files installed
        let again = try SFTMixtures.resolve(o, bundleSource: sftSource, bundleInstallDir: dir + "/sft_bundled")
        XCTAssertTrue(again.notes[0].contains("from \(dir)/sft_bundled"), again.notes[0])
        // no bundle and no sft_data: the one-line message
        assertOneLineError({ _ = try SFTMixtures.resolve(o, bundleSource: nil, bundleInstallDir: dir + "/x") }, contains: ["dataset --sft"])
    }

    /// --mixture without --val-mixture holds out the end of each entry's rows (within its own range),
    /// validates repeated entries once, and leaves a 1-row task whole; --val-mixture turns it off.
    func testDefaultHoldout() throws {
        let counts = ["a": 100, "b": 1, "c": 7]
        let entries = [MixtureEntry(task: "gsm8k", path: "a", epochs: 2, start: 0, stop: nil),
                       MixtureEntry(task: "gsm8k", path: "a", epochs: 2), MixtureEntry(task: "mmlu", path: "b"),
                       MixtureEntry(task: "customjson", path: "c", start: 3, stop: 10)]
        let s = try SFTMixtures.holdout(entries) { counts[$0.path]! }
        XCTAssertEqual(s.train, [MixtureEntry(task: "gsm8k", path: "a", epochs: 2, start: 0, stop: 95),
                                 MixtureEntry(task: "gsm8k", path: "a", epochs: 2, start: 0, stop: 95),
                                 MixtureEntry(task: "mmlu", path: "b"),
                                 MixtureEntry(task: "customjson", path: "c", start: 3, stop: 9)])
        XCTAssertEqual(s.val, [MixtureEntry(task: "gsm8k", path: "a", start: 95, stop: 100),
                               MixtureEntry(task: "customjson", path: "c", start: 9, stop: 10)])

        let dir = TestPaths.tempDir("holdout")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/c.jsonl"
        let line = "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]\n"
        try Data(String(repeating: line, count: 40).utf8).write(to: URL(fileURLWithPath: file))
        var o = SFTOptions()
        o.mixture = "customjson:\(file):2"
        let r = try SFTMixtures.resolve(o, bundleSource: nil)
        XCTAssertEqual(r.train, [MixtureEntry(task: "customjson", path: file, epochs: 2, start: 0, stop: 38)])
        XCTAssertEqual(r.val, [MixtureEntry(task: "customjson", path: file, start: 38, stop: 40)])
        XCTAssertEqual(r.notes.count, 1)
        XCTAssertTrue(r.notes[0].contains("rows 38-40 (2)"), r.notes[0])
        o.valMixture = "customjson:\(file):1:0-5"
        let given = try SFTMixtures.resolve(o, bundleSource: nil)
        XCTAssertEqual(given.train, [MixtureEntry(task: "customjson", path: file, epochs: 2)])
        XCTAssertTrue(given.notes.isEmpty)
    }

    /// base_eval without --bundle-dir: eval_bundle when it has a core.yaml, else data/core (one line), which
    /// loads as nanochat's layout with the redistributable tasks and skips the others.
    func testCoreBundleFallback() throws {
        let dir = TestPaths.tempDir("corebundle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let none = BaseEval.defaultBundleDir(evalBundle: dir + "/eval_bundle", bundled: coreSource)
        XCTAssertEqual(none.dir, coreSource)
        XCTAssertTrue(none.note?.contains("using the subset bundled in") ?? false)
        XCTAssertFalse(none.note?.contains("\n") ?? true)
        XCTAssertEqual(BaseEval.defaultBundleDir(evalBundle: dir + "/eval_bundle", bundled: nil).dir, dir + "/eval_bundle")
        try FileManager.default.createDirectory(atPath: dir + "/eval_bundle", withIntermediateDirectories: true)
        try Data("icl_tasks:\n".utf8).write(to: URL(fileURLWithPath: dir + "/eval_bundle/core.yaml"))
        let real = BaseEval.defaultBundleDir(evalBundle: dir + "/eval_bundle", bundled: coreSource)
        XCTAssertEqual(real.dir, dir + "/eval_bundle"); XCTAssertNil(real.note)

        let bundle = try CoreBundle(dir: coreSource)
        XCTAssertEqual(bundle.declaredCount, 22)
        XCTAssertEqual(Set(bundle.skipped.map(\.label)), ["jeopardy", "agi_eval_lsat_ar", "squad", "coqa"])
        XCTAssertEqual(bundle.tasks.count, 18)
        let loaded = try CoreEval.load(bundle: bundle, maxPerTask: 5)
        for t in loaded {
            XCTAssertEqual(t.data.count, 5, t.task.label)
            XCTAssertGreaterThanOrEqual(try t.task.loadItems().count, min(t.task.numFewshot + 5, 32), t.task.label)
        }
    }
}
