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
