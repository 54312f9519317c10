import Foundation
import XCTest
@testable import NanoChat

/// Bytes as ids, BOS = 256: lets the loader be tested without the BPE tokenizer.
final class DataByteTokenizer: TextTokenizer, @unchecked Sendable {
    var bosId: Int32 { 256 }
    var vocabSize: Int { 257 }
    func encodeOrdinary(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }
    func encodeOrdinaryBatch(_ texts: [String], threads: Int) -> [[Int32]] {
        var out = [[Int32]](repeating: [], count: texts.count)
        out.withUnsafeMutableBufferPointer { o in
            Threads.parallelFor(texts.count) { r in for i in r { o[i] = encodeOrdinary(texts[i]) } }
        }
        return out
    }
    func decode(_ ids: [Int32]) -> String { String(decoding: ids.filter { $0 < 256 }.map { UInt8($0) }, as: UTF8.self) }
    var tokenBytes: [Int32] { [Int32](repeating: 1, count: 256) + [0] }
}

enum DataTestCorpus {
    /// Document `i` of file `f`: an id prefix, then a pseudo-random length of letters (1…150 bytes total-ish).
    static func doc(_ f: Int, _ i: Int) -> String {
        var h = UInt64(f * 1_000_003 + i) &* 0x9E3779B97F4A7C15
        h ^= h >> 29
        let n = Int(h % 140)
        let letter = Character(UnicodeScalar(UInt8(97 + Int(h >> 40) % 26)))
        return "<\(f).\(i)>" + String(repeating: letter, count: n)
    }
    static func writeJSONL(_ path: String, _ docs: [String]) throws {
        var s = ""
        for d in docs { s += String(decoding: try JSONSerialization.data(withJSONObject: ["text": d]), as: UTF8.self) + "\n" }
        try s.write(toFile: path, atomically: true, encoding: .utf8)
    }
    static func writeTXT(_ path: String, _ docs: [String]) throws {
        try docs.joined(separator: "\n<|endoftext|>\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
    /// A data dir with shards of the given document counts (last = val); alternating jsonl / txt.
    static func make(_ counts: [Int], name: String = "loader") throws -> String {
        let dir = TestPaths.tempDir(name)
        for (f, n) in counts.enumerated() {
            let docs = (0..<n).map { doc(f, $0) }
            if f % 2 == 0 { try writeJSONL(dir + String(format: "/s_%03d.jsonl", f), docs) }
            else { try writeTXT(dir + String(format: "/s_%03d.txt", f), docs) }
        }
        return dir
    }
}

/// A plain sequential re-statement of nanochat/dataloader.py (`_document_batches` + the BOS best-fit packing;
/// no threads, no resume) to compare the loader against.
func referenceBatches(_ src: DocumentSource, _ split: String, rank: Int, world: Int, B: Int, T: Int,
                      buffer cap: Int, count: Int) throws -> [[Int32]] {
    var slices: [[String]] = []
    var pending = slices.makeIterator()
    func nextSlice() throws -> [String] {
        if let s = pending.next() { return s }
        slices = []
        for pq in 0..<(try src.splitFileCount(split)) {
            for rg in stride(from: rank, to: try src.rowGroupCount(split, pq), by: world) {
                let docs = try src.readRowGroup(split, pq, rg)
                for off in stride(from: 0, to: docs.count, by: 128) { slices.append(Array(docs[off..<min(off + 128, docs.count)])) }
            }
        }
        pending = slices.makeIterator()
        return pending.next()!
    }
    let tok = DataByteTokenizer()
    var buf: [[Int32]] = []
    var out: [[Int32]] = []
    for _ in 0..<count {
        var rows: [Int32] = []
        for _ in 0..<B {
            var row: [Int32] = []
            while row.count < T + 1 {
                while buf.count < cap { buf += try nextSlice().map { [256] + tok.encodeOrdinary($0) } }
                let rem = T + 1 - row.count
                var best = -1, bestLen = 0
                for (i, d) in buf.enumerated() where d.count <= rem && d.count > bestLen { best = i; bestLen = d.count }
                if best >= 0 { row += buf.remove(at: best) } else {
                    let i = buf.indices.min { buf[$0].count < buf[$1].count }!
                    row += buf.remove(at: i).prefix(rem)
                }
            }
            rows += row
        }
        out.append(rows)
    }
    return out
}

func rowsOf(_ b: (inputs: [Int32], targets: [Int32], state: LoaderState), B: Int, T: Int) -> [Int32] {
    var rows: [Int32] = []
    for r in 0..<B { rows += b.inputs[(r * T)..<((r + 1) * T)]; rows.append(b.targets[(r + 1) * T - 1]) }
    return rows
}

final class DataLoaderTests: XCTestCase {
    let tok = DataByteTokenizer()

    func testMatchesReferenceAndPackingInvariants() throws {
        let dir = try DataTestCorpus.make([2500, 1300, 300])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = try DocumentSource(path: dir)
        let (B, T) = (4, 64)
        let loader = try DataLoader(tokenizer: tok, source: src, B: B, T: T, split: "train")
        let ref = try referenceBatches(src, "train", rank: 0, world: 1, B: B, T: T, buffer: 1000, count: 30)
        var complete = 0, cropped = 0
        for n in 0..<30 {
            let b = try loader.next()
            XCTAssertEqual(b.inputs.count, B * T); XCTAssertEqual(b.targets.count, B * T)
            for r in 0..<B { XCTAssertEqual(Array(b.inputs[(r * T + 1)..<((r + 1) * T)]), Array(b.targets[(r * T)..<((r + 1) * T - 1)])) }
            let rows = rowsOf(b, B: B, T: T)
            XCTAssertEqual(rows, ref[n], "batch \(n) differs from the reference packing")
            for r in 0..<B {
                let row = Array(rows[(r * (T + 1))..<((r + 1) * (T + 1))])
                XCTAssertEqual(row[0], 256, "row must start with BOS")
                // split at BOS: every segment but the last is a whole document; the last may be cropped
                var segs: [[Int32]] = []
                for t in row { if t == 256 { segs.append([]) } else { segs[segs.count - 1].append(t) } }
                for (k, s) in segs.enumerated() {
                    let text = tok.decode(s)
                    let idEnd = text.firstIndex(of: ">")
                    guard let e = idEnd else { XCTAssertEqual(k, segs.count - 1, "cropped mid-id only at the end"); continue }
                    let parts = text[text.index(after: text.startIndex)..<e].split(separator: ".").map { Int($0)! }
                    let full = DataTestCorpus.doc(parts[0], parts[1])
                    if k < segs.count - 1 { XCTAssertEqual(text, full); complete += 1 }
                    else { XCTAssertTrue(full.hasPrefix(text)); if text != full { cropped += 1 } else { complete += 1 } }
                }
            }
            XCTAssertEqual(b.state.epoch, 1)
        }
        print("  30 batches: \(complete) whole docs, \(cropped) cropped, \(loader.croppedTokens) tokens cropped")
        // deterministic: a second loader yields the same batches
        let again = try DataLoader(tokenizer: tok, source: try DocumentSource(path: dir), B: B, T: T, split: "train", threads: 1)
        for n in 0..<30 { XCTAssertEqual(rowsOf(try again.next(), B: B, T: T), ref[n]) }
    }

    func testRankShardsAreDisjointAndCovering() throws {
        let dir = try DataTestCorpus.make([2500, 3100, 1030, 300])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = try DocumentSource(path: dir)
        let W = 3
        var all = Set<[Int]>()
        for p in 0..<3 { for g in 0..<(try src.rowGroupCount("train", p)) { all.insert([p, g]) } }
        var seen: [Set<[Int]>] = []
        for r in 0..<W {
            let stream = try DocumentStream(source: src, split: "train", rank: r, world: W)
            var c = try stream.normalize(StreamCursor(pq: 0, rg: r, doc: 0, epoch: 1))
            var mine = Set<[Int]>()
            while c.epoch == 1 {
                XCTAssertTrue(mine.insert([c.pq, c.rg]).inserted)
                XCTAssertEqual(c.rg % W, r)
                c = try stream.normalize(StreamCursor(pq: c.pq, rg: c.rg + W, doc: 0, epoch: c.epoch))
            }
            seen.append(mine)
        }
        for a in 0..<W { for b in (a + 1)..<W { XCTAssertTrue(seen[a].isDisjoint(with: seen[b])) } }
        XCTAssertEqual(seen.reduce(Set<[Int]>()) { $0.union($1) }, all)
        // each rank's loader only sees documents of its own row groups, and matches the reference
        for r in 0..<W {
            let l = try DataLoader(tokenizer: tok, source: src, B: 2, T: 64, split: "train", rank: r, worldSize: W)
            let ref = try referenceBatches(src, "train", rank: r, world: W, B: 2, T: 64, buffer: 1000, count: 5)
            for n in 0..<5 {
                let b = try l.next()
                XCTAssertEqual(rowsOf(b, B: 2, T: 64), ref[n])
                for run in b.state.buffer! { XCTAssertTrue(seen[r].contains([run[0], run[1]])) }
            }
        }
    }

    /// Resume from the state after batch k yields exactly batches k+1, k+2, … — also across epochs
    /// (a 700-document train split with a 1000-document buffer wraps every few batches).
    func testExactResumeAndEpochRollover() throws {
        // rank 1 of 2 reads only the second 1024-document chunk of each file
        for (rank, W, counts) in [(0, 1, [400, 300, 100]), (1, 2, [1100, 1200, 100])] {
            let dir = try DataTestCorpus.make(counts)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let src = try DocumentSource(path: dir)
            let (B, T) = (4, 48)
            let a = try DataLoader(tokenizer: tok, source: src, B: B, T: T, split: "train", rank: rank, worldSize: W)
            var batches: [[Int32]] = [], states: [LoaderState] = [a.state]
            for _ in 0..<60 { let b = try a.next(); batches.append(rowsOf(b, B: B, T: T)); states.append(b.state); XCTAssertEqual(b.state, a.state) }
            XCTAssertGreaterThan(states.last!.epoch, 2, "the test should cross epochs")
            let json = try JSONEncoder().encode(states[30])
            print("  rank \(rank)/\(W): state JSON \(json.count) bytes, epochs reached \(states.last!.epoch)"); fflush(stdout)
            let epochChange = (2..<states.count).first { states[$0].epoch != states[$0 - 1].epoch }!
            for k in [0, 1, 7, epochChange - 1, epochChange, 45] {
                let s = try JSONDecoder().decode(LoaderState.self, from: JSONEncoder().encode(states[k]))
                XCTAssertEqual(s, states[k])
                let b = try DataLoader(tokenizer: tok, source: try DocumentSource(path: dir), B: B, T: T, split: "train",
                                       rank: rank, worldSize: W, resume: s)
                XCTAssertEqual(b.state, states[k])
                for n in k..<min(k + 6, 60) {
                    let x = try b.next()
                    XCTAssertEqual(rowsOf(x, B: B, T: T), batches[n], "resume after \(k) batches: batch \(n) differs")
                    XCTAssertEqual(x.state, states[n + 1])
                }
            }
        }
    }

    func testNanochatStateResumesAtNextRowGroup() throws {
        let dir = try DataTestCorpus.make([5000, 100])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = try DocumentSource(path: dir)
        let l = try DataLoader(tokenizer: tok, source: src, B: 1, T: 32, split: "train",
                               resume: LoaderState(pqIdx: 0, rgIdx: 1, epoch: 1))
        let s = try l.next().state
        XCTAssertEqual([s.pqIdx, s.rgIdx, s.epoch], [0, 2, 1])              // skipped to row group 2
        XCTAssertEqual(s.buffer!.first![0...2], [0, 2, 0])
        let data = try JSONEncoder().encode(LoaderState(pqIdx: 1, rgIdx: 3, epoch: 2))
        XCTAssertEqual(String(decoding: data, as: UTF8.self).contains("\"pq_idx\":1"), true)
    }

    func testErrors() throws {
        let empty = TestPaths.tempDir("empty")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        XCTAssertThrowsError(try DocumentSource(path: empty)) { e in XCTAssertTrue("\(e)".hasPrefix(empty + ": no data shards"), "\(e)") }
        XCTAssertThrowsError(try DocumentSource(path: empty + "/nope")) { e in XCTAssertTrue("\(e)".contains("no such data file")) }

        // one shard only: it is val, train is empty
        try DataTestCorpus.writeJSONL(empty + "/a.jsonl", ["x"])
        XCTAssertThrowsError(try DataLoader(tokenizer: tok, source: try DocumentSource(path: empty), B: 1, T: 8, split: "train")) { e in
            XCTAssertTrue("\(e)".contains("only one shard"), "\(e)")
        }

        // shards without documents: a clear error, not a hang
        let hollow = TestPaths.tempDir("hollow")
        defer { try? FileManager.default.removeItem(atPath: hollow) }
        try "".write(toFile: hollow + "/a.txt", atomically: true, encoding: .utf8)
        try "\n\n".write(toFile: hollow + "/b.txt", atomically: true, encoding: .utf8)
        let l = try DataLoader(tokenizer: tok, source: try DocumentSource(path: hollow), B: 1, T: 8, split: "train")
        XCTAssertThrowsError(try l.next()) { e in XCTAssertTrue("\(e)".contains("has no documents"), "\(e)") }

        // corrupt parquet shard in a data dir: named in the error, raised by next()
        let bad = TestPaths.tempDir("badshard")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try Data("PAR1 this is not parquet PAR1".utf8).write(to: URL(fileURLWithPath: bad + "/shard_00000.parquet"))
        try DataTestCorpus.writeJSONL(bad + "/shard_00001.jsonl", ["val"])
        XCTAssertThrowsError(try DataLoader(tokenizer: tok, source: try DocumentSource(path: bad), B: 1, T: 8, split: "train").next()) { e in
            XCTAssertTrue("\(e)".hasPrefix(bad + "/shard_00000.parquet: corrupt"), "\(e)")
            XCTAssertFalse("\(e)".contains("\n"))
        }

        // jsonl line without `text`: file and line number
        let j = empty + "/b.jsonl"
        try "{\"text\": \"ok\"}\n\n{\"content\": \"no text\"}\n".write(toFile: j, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DocumentSource.readAll(j)) { e in XCTAssertEqual("\(e)", j + ": line 3: no \"text\" string field") }
        try "{\"text\": \"ok\"}\n{not json\n".write(toFile: j, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DocumentSource.readAll(j)) { e in XCTAssertEqual("\(e)", j + ": line 2: not valid JSON") }

        // non-UTF-8: replaced and counted, not fatal
        let u = TestPaths.tempDir("utf8")
        defer { try? FileManager.default.removeItem(atPath: u) }
        var bytes = Data("{\"text\": \"caf".utf8); bytes += Data([0xE9]); bytes += Data("\"}\n{\"text\": \"fine\"}\n".utf8)
        try bytes.write(to: URL(fileURLWithPath: u + "/a.jsonl"))
        var t = Data("good doc\n<|endoftext|>\nbad ".utf8); t += Data([0xFF, 0xFE]); t += Data(" doc\n".utf8)
        try t.write(to: URL(fileURLWithPath: u + "/b.txt"))
        let src = try DocumentSource(path: u)
        var docs: [String] = []
        try src.forEachDocument(split: "train") { docs.append($0); return true }
        try src.forEachDocument(split: "val") { docs.append($0); return true }
        XCTAssertEqual(docs, ["caf\u{FFFD}", "fine", "good doc", "bad \u{FFFD}\u{FFFD} doc"])
        XCTAssertEqual(src.invalidUTF8Docs, 2)
    }

    func testSingleFileSplitAndTextFormats() throws {
        let dir = TestPaths.tempDir("single")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let docs = (0..<2100).map { DataTestCorpus.doc(9, $0) }
        try DataTestCorpus.writeJSONL(dir + "/all.jsonl", docs)
        let src = try DocumentSource(path: dir + "/all.jsonl")
        XCTAssertTrue(src.isSingleFile)
        var train: [String] = [], val: [String] = []
        try src.forEachDocument(split: "train") { train.append($0); return true }
        try src.forEachDocument(split: "val") { val.append($0); return true }
        XCTAssertEqual(train, Array(docs[0..<2079])); XCTAssertEqual(val, Array(docs[2079...]))
        XCTAssertEqual(try src.rowGroups("train", 0).map(\.count), [1024, 1024, 31])
        XCTAssertEqual(try src.rowGroups("val", 0), [SplitRowGroup(physical: 2, docs: 31..<52)])
        let l = try DataLoader(tokenizer: tok, source: src, B: 2, T: 32, split: "val")
        XCTAssertEqual(rowsOf(try l.next(), B: 2, T: 32),
                       try referenceBatches(src, "val", rank: 0, world: 1, B: 2, T: 32, buffer: 1000, count: 1)[0])

        // .txt: blank-line blocks when there is no <|endoftext|>
        try "para one\nline two\n\n\n  \npara two\n\npara three\n".write(toFile: dir + "/p.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(try DocumentSource.readAll(dir + "/p.txt"), ["para one\nline two", "para two", "para three"])
        try "a\n<|endoftext|>\nb\n\nstill b\n<|endoftext|>\n".write(toFile: dir + "/e.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(try DocumentSource.readAll(dir + "/e.txt"), ["a", "b\n\nstill b"])
        // parquet shards in a data dir
        let pqDir = TestPaths.tempDir("pqdir")
        defer { try? FileManager.default.removeItem(atPath: pqDir) }
        for n in ["shard_00000.parquet", "shard_00001.parquet"] {
            try FileManager.default.copyItem(atPath: TestPaths.fixture("loader_bestfit/" + n), toPath: pqDir + "/" + n)
        }
        let ps = try DocumentSource(path: pqDir)
        XCTAssertEqual(try ps.rowGroupCount("train", 0), 40)
        var n = 0
        try ps.forEachDocument(split: "val") { _ in n += 1; return true }
        XCTAssertEqual(n, 256)
    }

    func testGeneratedCorpus() throws {
        let a = TestPaths.tempDir("gen"), b = TestPaths.tempDir("gen")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let t0 = now()
        XCTAssertTrue(try GeneratedCorpus.ensure(dataDir: a))
        XCTAssertLessThan(now() - t0, 2.0)
        try GeneratedCorpus.generate(into: b)
        for i in 0..<GeneratedCorpus.shardCount {
            let n = String(format: "gen_%05d.txt", i)
            XCTAssertEqual(FileManager.default.contents(atPath: a + "/" + n), FileManager.default.contents(atPath: b + "/" + n), n)
        }
        XCTAssertTrue(try GeneratedCorpus.ensure(dataDir: a))          // still the generated corpus
        let src = try DocumentSource(path: a)
        XCTAssertEqual(src.files.count, GeneratedCorpus.shardCount)
        var n = 0
        try src.forEachDocument(split: "val") { d in n += 1; XCTAssertFalse(d.contains("<|endoftext|>")); return true }
        XCTAssertGreaterThan(n, 1000)
        let l = try DataLoader(tokenizer: tok, source: src, B: 2, T: 128, split: "train")
        XCTAssertEqual(try l.next().inputs.count, 256)
    }
}
