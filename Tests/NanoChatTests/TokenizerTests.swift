import Foundation
import XCTest
@testable import NanoChat

/// Split, encode and decode against fixtures made by Python's `regex` and tiktoken (dev/tokenizer/make_fixtures.py).
final class TokenizerTests: XCTestCase {
    struct SplitCase: Decodable { let text: String; let chunks: [String] }
    struct EncodeCase: Decodable { let text: String; let ids: [Int32] }
    struct DecodeCase: Decodable { let ids: [Int32]; let text: String }
    struct EncodeFixture: Decodable {
        let vocab_size: Int; let bos_id: Int32; let cases: [EncodeCase]; let decodes: [DecodeCase]; let token_bytes_sum: Int
    }

    static let multi4096 = TestPaths.fixture("tokenizer_multi_4096/tokenizer.tiktoken")
    nonisolated(unsafe) static var cached: Tokenizer?
    static func tokenizer() throws -> Tokenizer {
        if let t = cached { return t }
        let t = try Tokenizer.load(tiktokenFile: multi4096)
        cached = t
        return t
    }

    func load<T: Decodable>(_ rel: String, as: T.Type) throws -> T {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture(rel)))
        return try JSONDecoder().decode(T.self, from: data)
    }

    func testSplitMatchesRegex() throws {
        let cases = try load("tokenizer/splits.json", as: [SplitCase].self)
        XCTAssertGreaterThan(cases.count, 100)
        for c in cases {
            let got = Pretokenizer.split(c.text).map(String.init)
            XCTAssertEqual(got, c.chunks, "split of \(c.text.debugDescription)")
        }
    }

    func testEncodeMatchesTiktoken() throws {
        let fx = try load("tokenizer/encode.json", as: EncodeFixture.self)
        let tok = try Self.tokenizer()
        XCTAssertEqual(tok.vocabSize, fx.vocab_size)
        XCTAssertEqual(tok.bosId, fx.bos_id)
        XCTAssertEqual(tok.specialId("<|bos|>"), 4087)
        XCTAssertEqual(tok.specialId("<|output_end|>"), 4095)
        XCTAssertEqual(tok.tokenBytes.count, tok.vocabSize)
        XCTAssertEqual(tok.tokenBytes.reduce(0) { $0 + Int($1) }, fx.token_bytes_sum)
        for c in fx.cases {
            XCTAssertEqual(tok.encodeOrdinary(c.text), c.ids, "encode of \(c.text.prefix(60).debugDescription)")
            XCTAssertEqual(tok.decode(c.ids), c.text)
        }
        // twice more through the batch encoder: the second pass hits the chunk caches
        for _ in 0..<2 {
            let batch = tok.encodeOrdinaryBatch(fx.cases.map(\.text), threads: 3)
            XCTAssertEqual(batch, fx.cases.map(\.ids))
        }
        for d in fx.decodes {
            XCTAssertEqual(tok.decode(d.ids), d.text, "decode of bytes \(d.ids)")
            XCTAssertEqual(tok.decodeBytes(d.ids), d.ids.map { UInt8($0) })
        }
    }

    /// Random strings over many scripts and every class of the pattern: bytes round-trip exactly.
    func testRoundTripRandomText() throws {
        let tok = try Self.tokenizer()
        var rng = RNG(seed: 42)
        let pools: [[UInt32]] = [
            Array(0x20...0x7E), [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x20, 0x85, 0xA0, 0x2028, 0x3000, 0x1C, 0x00],
            Array(0x0900...0x097F), Array(0x0600...0x06FF), Array(0x4E00...0x4FFF), Array(0x0300...0x036F),
            Array(0x1F300...0x1F64F), [0x27, 0x73, 0x53, 0x17F, 0x6C, 0x4C, 0x76, 0x65, 0x72], Array(0x30...0x39),
            Array(0xAC00...0xAD00), Array(0x0400...0x04FF),
        ]
        var texts: [String] = []
        for _ in 0..<300 {
            var s = String.UnicodeScalarView()
            let len = Int(rng.next() % 200)
            for _ in 0..<len {
                let pool = pools[Int(rng.next() % UInt64(pools.count))]
                let v = pool[Int(rng.next() % UInt64(pool.count))]
                if let u = Unicode.Scalar(v) { s.append(u) }
            }
            texts.append(String(s))
        }
        // arbitrary bytes, made into a valid string the way Python would (errors="replace")
        for _ in 0..<100 {
            let bytes = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            texts.append(String(decoding: bytes, as: UTF8.self))
        }
        let batch = tok.encodeOrdinaryBatch(texts, threads: 2)
        for (t, ids) in zip(texts, batch) {
            XCTAssertEqual(tok.decodeBytes(ids), Array(t.utf8))
            XCTAssertEqual(tok.decode(ids), t)
            XCTAssertEqual(tok.encodeOrdinary(t), ids)
            // chunks tile the text
            XCTAssertEqual(Pretokenizer.split(t).joined(), t)
        }
    }

    func testByteLevelRanksRoundTripArbitraryBytes() throws {
        // every byte string (even invalid UTF-8) is a sequence of byte tokens: decodeBytes is lossless
        let tok = try Self.tokenizer()
        var rng = RNG(seed: 7)
        for _ in 0..<50 {
            let bytes = (0..<Int(rng.next() % 64)).map { _ in Int32(rng.next() % 256) }
            XCTAssertEqual(tok.decodeBytes(bytes), bytes.map { UInt8($0) })
        }
    }

    /// The heap merge (long chunks) gives exactly the scan's result (tiktoken's loop) on long random chunks.
    func testHeapMergeMatchesScan() throws {
        let tok = try Self.tokenizer()
        let st = EncodeState()
        var rng = RNG(seed: 3)
        let alphabets: [[UInt8]] = [Array("ab".utf8), Array("etaoin shrdlu".utf8), Array("the cat sat on a mat, ".utf8),
                                    (0..<256).map { UInt8($0) }, Array("  \n".utf8)]
        for trial in 0..<60 {
            let alpha = alphabets[trial % alphabets.count]
            let n = 2 + Int(rng.next() % 1500)
            let bytes = (0..<n).map { _ in alpha[Int(rng.next() % UInt64(alpha.count))] }
            bytes.withUnsafeBufferPointer { b in
                let m1 = tok.bytePairMergeScan(b.baseAddress!, n, st)
                let scan = Array(UnsafeBufferPointer(start: st.tok, count: m1))
                let m2 = tok.bytePairMergeHeap(b.baseAddress!, n, st)
                let heap = Array(UnsafeBufferPointer(start: st.tok, count: m2))
                XCTAssertEqual(scan, heap, "trial \(trial), \(n) bytes")
                XCTAssertEqual(tok.decodeBytes(heap), bytes)
            }
        }
    }

    func testSpecialTokens() throws {
        let tok = try Self.tokenizer()
        XCTAssertEqual(Tokenizer.specialTokens.count, 9)
        for (i, name) in Tokenizer.specialTokens.enumerated() {
            XCTAssertEqual(tok.specialId(name), Int32(4087 + i))
            XCTAssertEqual(tok.decode([Int32(4087 + i)]), name)
            XCTAssertEqual(tok.tokenBytes[4087 + i], 0)
        }
        XCTAssertNil(tok.specialId("<|endoftext|>"))
        let body = tok.encodeOrdinary("hello world")
        XCTAssertEqual(tok.encode("hello world", prepend: "<|bos|>"), [tok.bosId] + body)
        XCTAssertEqual(tok.encode("hello world", prepend: .id(tok.bosId), append: .special("<|assistant_end|>")),
                       [tok.bosId] + body + [tok.specialId("<|assistant_end|>")!])
        XCTAssertEqual(tok.encode("hello world", append: .id(7)), body + [7])
        // special-token strings in text are ordinary text
        let plain = tok.encodeOrdinary("<|bos|>hi<|user_start|>")
        XCTAssertFalse(plain.contains { $0 >= 4087 })
        XCTAssertEqual(tok.decode(plain), "<|bos|>hi<|user_start|>")
    }

    func testSaveLoadRoundTrip() throws {
        let tok = try Self.tokenizer()
        let dir = TestPaths.tempDir("tok")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try tok.save(directory: dir)
        // the ranks file is byte-identical to nanochat's (tiktoken's format)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/tokenizer.tiktoken"),
                       FileManager.default.contents(atPath: Self.multi4096))
        let back = try Tokenizer.load(directory: dir)
        XCTAssertEqual(back.mergeableRanks, tok.mergeableRanks)
        XCTAssertEqual(back.vocabSize, tok.vocabSize)
        XCTAssertEqual(back.encodeOrdinary("Round trip, 123!"), tok.encodeOrdinary("Round trip, 123!"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/tokenizer.tiktoken.tmp"))
    }

    func testCorruptTokenizerFilesAreOneLineErrors() throws {
        let dir = TestPaths.tempDir("tokbad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try String(contentsOfFile: Self.multi4096, encoding: .utf8)
        func write(_ s: String, _ name: String = "tokenizer.tiktoken") -> String {
            let p = dir + "/" + name
            try! s.write(toFile: p, atomically: true, encoding: .utf8)
            return p
        }
        assertOneLineError({ _ = try Tokenizer.load(tiktokenFile: dir + "/missing.tiktoken") }, contains: "missing.tiktoken: cannot read")
        assertOneLineError({ _ = try Tokenizer.load(tiktokenFile: write("")) }, contains: "no ranks")
        assertOneLineError({ _ = try Tokenizer.load(tiktokenFile: write("AA== 0\nnot base64!! 1\n")) }, contains: "line 2")
        assertOneLineError({ _ = try Tokenizer.load(tiktokenFile: write("AA== zero\n")) }, contains: "line 1")
        assertOneLineError({ _ = try Tokenizer.load(tiktokenFile: write(good + "AA== 4087\n")) }, contains: "same bytes")
        assertOneLineError({ _ = try Tokenizer.load(tiktokenFile: write(good + "QUJD 5000\n")) }, contains: "missing")
        assertOneLineError({ _ = try Tokenizer.load(tiktokenFile: write(good + "QUJD 7\n")) }, contains: "appears twice")
        let noByte = good.split(separator: "\n").filter { $0 != "QQ== 65" }.enumerated()
            .map { i, l in "\(l.split(separator: " ")[0]) \(i)" }.joined(separator: "\n")
        assertOneLineError({ _ = try Tokenizer.load(tiktokenFile: write(noByte)) }, contains: "0x41")
        // config problems
        _ = write(good)
        assertOneLineError({ _ = try Tokenizer.load(directory: dir) }, contains: "tokenizer_config.json: cannot read")
        _ = write("{", "tokenizer_config.json")
        assertOneLineError({ _ = try Tokenizer.load(directory: dir) }, contains: "not a JSON object")
        let tok = try Tokenizer.load(tiktokenFile: Self.multi4096)
        var cfg = try JSONSerialization.jsonObject(with: tok.configJSON()) as! [String: Any]
        cfg["vocab_size"] = 5000
        _ = write(String(decoding: try JSONSerialization.data(withJSONObject: cfg), as: UTF8.self), "tokenizer_config.json")
        assertOneLineError({ _ = try Tokenizer.load(directory: dir) }, contains: "vocab_size 5000")
        cfg["vocab_size"] = 4096
        cfg["pattern"] = "\\s+"
        _ = write(String(decoding: try JSONSerialization.data(withJSONObject: cfg), as: UTF8.self), "tokenizer_config.json")
        assertOneLineError({ _ = try Tokenizer.load(directory: dir) }, contains: "split pattern")
    }
}
