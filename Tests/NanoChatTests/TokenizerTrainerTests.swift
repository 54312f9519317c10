import Foundation
import XCTest
@testable import NanoChat

/// The trainer against rustbpe's merges on a committed corpus (dev/tokenizer/make_fixtures.py).
final class TokenizerTrainerTests: XCTestCase {
    struct MergesFixture: Decodable { let vocab_size: Int; let num_docs: Int; let tokens_hex: [String] }

    static func corpusDocs() throws -> [String] {
        let text = try String(contentsOfFile: TestPaths.fixture("tokenizer/train_corpus.txt"), encoding: .utf8)
        return text.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    func testReproducesRustbpeMerges() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("tokenizer/train_merges.json")))
        let fx = try JSONDecoder().decode(MergesFixture.self, from: data)
        let docs = try Self.corpusDocs()
        XCTAssertEqual(docs.count, fx.num_docs)
        for threads in [1, 3] {
            let trainer = try BPETrainer(vocabSize: fx.vocab_size, threads: threads)
            trainer.add(docs)
            let ranks = try trainer.train()
            XCTAssertEqual(ranks.count, 256 + fx.tokens_hex.count)
            XCTAssertEqual(ranks.count, fx.vocab_size - 9)
            let got = ranks[256...].map { Self.hex($0) }
            for (i, (g, e)) in zip(got, fx.tokens_hex).enumerated() where g != e {
                XCTFail("threads \(threads): merge \(i) (id \(256 + i)) is \(g), rustbpe made \(e)")
                break
            }
        }
    }

    /// Mixed scripts, marks, emoji, odd whitespace, CRLF and contractions (rustbpe on the same documents).
    func testReproducesRustbpeMergesOnMixedScripts() throws {
        struct Mixed: Decodable { let vocab_size: Int; let docs: [String]; let tokens_hex: [String] }
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("tokenizer/train_mixed.json")))
        let fx = try JSONDecoder().decode(Mixed.self, from: data)
        let tok = try Tokenizer.train(documents: fx.docs, vocabSize: fx.vocab_size, threads: 2)
        let got = tok.mergeableRanks[256...].map { Self.hex($0) }
        XCTAssertEqual(got.count, fx.tokens_hex.count)
        for (i, (g, e)) in zip(got, fx.tokens_hex).enumerated() where g != e {
            XCTFail("merge \(i) (id \(256 + i)) is \(g), rustbpe made \(e)")
            break
        }
    }

    func testTrainedTokenizerRoundTrips() throws {
        let docs = try Self.corpusDocs()
        let tok = try Tokenizer.train(documents: Array(docs.prefix(200)), vocabSize: 600, threads: 2)
        XCTAssertEqual(tok.vocabSize, 600)
        XCTAssertEqual(tok.bosId, 591)
        for d in docs.suffix(20) + ["mixed 中文 हिन्दी 😀 \r\n\t x"] {
            XCTAssertEqual(tok.decode(tok.encodeOrdinary(d)), d)
        }
        // few distinct chunks: training stops early when no pair is left; specials follow the ranks
        let tiny = try Tokenizer.train(documents: ["ab ab ab"], vocabSize: 400, threads: 1)
        XCTAssertEqual(tiny.mergeableRanks.count, 256 + 2)  // "ab", " ab"... (a,b) then ( ,ab)
        XCTAssertEqual(tiny.bosId, 258)
        XCTAssertEqual(tiny.encodeOrdinary("ab ab"), [256, 257])
    }

    func testOverlappingPairsMergeLeftToRight() throws {
        // "aaaa" → [X, X], "aaa" → [X, a] (rustbpe's non-overlapping left-to-right replacement)
        let tok = try Tokenizer.train(documents: ["aaaa aaa"], vocabSize: 258 + 9, threads: 1)
        XCTAssertEqual(tok.mergeableRanks[256], [97, 97])
        // then (X,X), ( ,X), (X,a) all have count 1: the smallest pair ( ,X) wins
        XCTAssertEqual(tok.mergeableRanks[257], [32, 97, 97])
        XCTAssertEqual(tok.encodeOrdinary("aaaa aaa"), [256, 256, 257, 97])
    }

    func testTrainerErrors() throws {
        XCTAssertThrowsError(try BPETrainer(vocabSize: 264)) { e in
            XCTAssertTrue("\(e)".contains("below 265"), "\(e)")
        }
        let t = try BPETrainer(vocabSize: 300, threads: 1)
        t.add([])
        XCTAssertThrowsError(try t.train()) { e in XCTAssertTrue("\(e)".contains("empty corpus"), "\(e)") }
    }
}

/// tok_train end to end on small inputs, and its one-line errors.
final class TokenizerCommandTests: XCTestCase {
    func testTokTrainOnInputFiles() throws {
        let dir = TestPaths.tempDir("toktrain")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = TestPaths.fixture("tokenizer/train_corpus.txt")
        try TokTrainCommand.run(["--input=\(input)", "--vocab-size=700", "--output-dir=\(dir)", "--threads=2"])
        let tok = try Tokenizer.load(directory: dir)
        XCTAssertEqual(tok.vocabSize, 700)
        // every document of the file, none held out: the same merges as training on all of them directly
        let direct = try Tokenizer.train(documents: DocumentSource.readAll(input), vocabSize: 700, threads: 1)
        XCTAssertEqual(tok.mergeableRanks, direct.mergeableRanks)
        try TokTrainCommand.run(["--eval", "--output-dir=\(dir)", "--input=\(input)"])
        // --max-chars stops after the document that crosses the limit
        let dir2 = dir + "/small"
        try TokTrainCommand.run(["--input=\(input)", "--vocab-size=300", "--max-chars=1000", "--doc-cap=50", "--output-dir=\(dir2)"])
        XCTAssertEqual(try Tokenizer.load(directory: dir2).vocabSize, 300)
    }

    /// nanochat's text feed on a parquet data dir (train split only; --max-chars stops after the document that
    /// crosses it) gives rustbpe's merges on the same feed (Fixtures/tokenizer/train_parquet.json).
    func testTokTrainOnDataDirMatchesRustbpe() throws {
        struct Fx: Decodable { let vocab_size: Int; let max_chars: Int; let doc_cap: Int; let tokens_hex: [String] }
        let fx = try JSONDecoder().decode(Fx.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("tokenizer/train_parquet.json"))))
        let dir = TestPaths.tempDir("toktrainpq")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TokTrainCommand.run(["--data-dir=\(TestPaths.fixture("loader_bestfit"))", "--vocab-size=\(fx.vocab_size)",
                                 "--max-chars=\(fx.max_chars)", "--doc-cap=\(fx.doc_cap)", "--output-dir=\(dir)"])
        let tok = try Tokenizer.load(directory: dir)
        XCTAssertEqual(tok.mergeableRanks[256...].map { TokenizerTrainerTests.hex($0) }, fx.tokens_hex)
    }

    func testDocCapCountsCodePoints() {
        XCTAssertEqual(TokTrainCommand.capScalars("e\u{301}e\u{301}x", 3), "e\u{301}e")
        XCTAssertEqual(TokTrainCommand.capScalars("😀😀", 5), "😀😀")
    }

    func assertTokTrainError(_ args: [String], contains: String, file: StaticString = #filePath, line: UInt = #line) {
        assertOneLineError({ try TokTrainCommand.run(args) }, contains: contains, file: file, line: line)
    }

    func testTokTrainErrors() throws {
        let dir = TestPaths.tempDir("toktrainerr")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = dir + "/empty.txt"
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        assertTokTrainError(["--input=\(empty)", "--output-dir=\(dir)/out"], contains: "empty corpus")
        assertTokTrainError(["--input=\(dir)/nope.txt", "--output-dir=\(dir)/out"], contains: "nope.txt: cannot read")
        assertTokTrainError(["--input=\(TestPaths.fixture("tokenizer/train_corpus.txt"))", "--vocab-size=200"], contains: "--vocab-size=200 is out of range: must be 265")
        assertTokTrainError(["--data-dir=\(dir)/missing"], contains: "missing")
        try "garbage\n".write(toFile: dir + "/tokenizer.tiktoken", atomically: true, encoding: .utf8)
        assertTokTrainError(["--eval", "--output-dir=\(dir)"], contains: "tokenizer.tiktoken: line 1")
    }
}
