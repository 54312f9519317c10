import XCTest
@testable import NanoChat

/// Inputs that used to crash (SIGFPE, terabyte allocations, traps) or pass silently: each is now one
/// thrown line naming the flag or file.
final class HardeningTests: XCTestCase {
    func testHugeDepthIsRefusedWithParameterCountAndRAM() {
        var o = TrainOptions(); o.depth = 1000
        assertOneLineError({ _ = try o.modelConfig(vocabSize: 32768) },
                           contains: ["--depth=1000", "parameters", "to train", "of RAM", "limit 90%"])
        // a d2 fits anywhere and comes back validated
        o.depth = 2; o.aspectRatio = 32; o.headDim = 32; o.maxSeqLen = 64; o.deviceBatchSize = 2
        XCTAssertNoThrow(try o.modelConfig(vocabSize: 4096))
    }

    func testModelSizeCountsWhatGPTAllocates() throws {
        let cfg = GPTConfig.fromDepth(2, aspectRatio: 32, headDim: 32, maxSeqLen: 64, vocabSize: 4096)
        let size = ModelSize(cfg)
        let model = try GPT(config: cfg)
        XCTAssertEqual(size.parameters, model.layout.numParams)
        XCTAssertGreaterThanOrEqual(size.modelBytes, Double(2 * 4 * model.layout.totalCount))
        XCTAssertGreaterThan(size.bytes(rows: 128, training: true), size.bytes(rows: 128, training: false))
        XCTAssertEqual(ModelSize.formatBytes(1.5e12), "1.5 TB")
    }

    func testBadHeadDimNamesTheFlags() {
        var o = TrainOptions(); o.depth = 2; o.headDim = 3; o.aspectRatio = 32
        assertOneLineError({ _ = try o.modelConfig(vocabSize: 4096) }, contains: ["--head-dim=3", "head_dim", "even"])
    }

    /// A meta asking for absurd sizes: refused by bounds (n_embd 10⁹) or by RAM (valid but terabytes), naming the meta.
    func testAbsurdMetaModelConfigNamesTheFile() throws {
        let dir = TestPaths.tempDir("absurdmeta")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func writeMeta(_ step: Int, nLayer: Int, nEmbd: Int, nHead: Int) throws {
            let mc: JSONValue = .object([("sequence_len", .int(2048)), ("vocab_size", .int(32768)), ("n_layer", .int(nLayer)),
                                         ("n_head", .int(nHead)), ("n_kv_head", .int(nHead)), ("n_embd", .int(nEmbd)),
                                         ("window_pattern", .string("L"))])
            let meta: JSONValue = .object([("step", .int(step)), ("model_config", mc)])
            try Data(meta.serialized().utf8).write(to: URL(fileURLWithPath: CheckpointManager.metaPath(dir, step)))
        }
        try writeMeta(1, nLayer: 12, nEmbd: 1_000_000_000, nHead: 1)
        assertOneLineError({ _ = try CheckpointManager.loadModel(dir: dir, step: 1) },
                           contains: ["meta_000001.json", "n_embd 1000000000 is larger than"])
        try writeMeta(2, nLayer: 4000, nEmbd: 65536, nHead: 512)
        assertOneLineError({ _ = try CheckpointManager.loadModel(dir: dir, step: 2) },
                           contains: ["meta_000002.json", "parameters", "need", "of RAM"])
        try writeMeta(3, nLayer: 2, nEmbd: 64, nHead: 0)
        assertOneLineError({ _ = try CheckpointManager.loadModel(dir: dir, step: 3) }, contains: ["meta_000003.json", "positive"])
    }

    func testLoaderStateWithWrongKeysNamesTheFile() {
        assertOneLineError({ _ = try CheckpointManager.loaderState(.object([("pq", .int(0))]), file: "/x/loader_000004_rank0.json") },
                           contains: ["/x/loader_000004_rank0.json", "pq_idx"])
        assertOneLineError({ _ = try CheckpointManager.loaderState(.object([("pq_idx", .string("a")), ("rg_idx", .int(0)), ("epoch", .int(1))]),
                                                                   file: "/x/meta_000004.json") },
                           contains: ["/x/meta_000004.json", "wrong type", "pq_idx"])
        XCTAssertEqual(try CheckpointManager.loaderState(.object([("pq_idx", .int(1)), ("rg_idx", .int(2)), ("epoch", .int(1))]), file: "f"),
                       LoaderState(pqIdx: 1, rgIdx: 2, epoch: 1))
    }

    func testBaseEvalTextFileChecks() throws {
        let dir = TestPaths.tempDir("evaltext")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = dir + "/empty.txt"
        FileManager.default.createFile(atPath: empty, contents: Data())
        assertOneLineError({ _ = try BaseEval.readText(empty) }, contains: [empty, "empty text file"])
        assertOneLineError({ _ = try BaseEval.readText(dir) }, contains: [dir, "cannot read"])
        let bad = dir + "/latin1.txt"
        FileManager.default.createFile(atPath: bad, contents: Data([0x63, 0x61, 0x66, 0xE9, 0x0A]))   // "café" in Latin-1
        XCTAssertEqual(try BaseEval.readText(bad), "caf\u{FFFD}\n")
        // through run(): the empty file is an error, not "bpb: inf"
        var o = BaseEval.Options(); o.modes = []; o.textFile = empty
        let model = BigramTableModel()
        assertOneLineError({ _ = try BaseEval.run(model: model, tokenizer: ByteTokenizer(), step: 0, options: o, dist: .single) { _, _, _ in { ([], []) } } },
                           contains: "empty text file")
        o.textFile = nil; o.deviceBatchSize = 0
        assertOneLineError({ _ = try BaseEval.run(model: model, tokenizer: ByteTokenizer(), step: 0, options: o, dist: .single) { _, _, _ in { ([], []) } } },
                           contains: "--device-batch-size=0")
    }
}

/// SHA-256 against FIPS 180-4 vectors, and the tokenizer fingerprint checks where checkpoints meet tokenizers.
final class FingerprintTests: XCTestCase {
    func sha(_ s: String) -> String { var h = SHA256(); h.update(Array(s.utf8)); return SHA256.hex(h.finalize()) }

    func testSHA256KnownVectors() {
        XCTAssertEqual(sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(sha(String(repeating: "a", count: 1000)), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    static func tokenizer() throws -> Tokenizer { try Tokenizer.load(tiktokenFile: TestPaths.fixture("tokenizer_multi_4096/tokenizer.tiktoken")) }
    /// Same vocab size, two merges swapped: the silent mix-up the fingerprint exists for.
    static func retrained(_ tok: Tokenizer) -> Tokenizer {
        var ranks = tok.mergeableRanks
        ranks.swapAt(300, 301)
        return Tokenizer(mergeableRanks: ranks)
    }

    func testFingerprintIdentifiesMerges() throws {
        let tok = try Self.tokenizer(), again = try Self.tokenizer(), other = Self.retrained(tok)
        XCTAssertEqual(tok.fingerprint, again.fingerprint)
        XCTAssertTrue(tok.fingerprint.hasPrefix("sha256:") && tok.fingerprint.count == 71)
        XCTAssertEqual(tok.vocabSize, other.vocabSize)
        XCTAssertNotEqual(tok.fingerprint, other.fingerprint)

        let meta = CheckpointManager.withFingerprint(.object([("model_config", .object([("vocab_size", .int(tok.vocabSize))]))]), tok)
        XCTAssertNoThrow(try tok.checkMatches(meta: meta, metaFile: "m.json", tokenizerPath: "tokdir"))
        assertOneLineError({ try other.checkMatches(meta: meta, metaFile: "m.json", tokenizerPath: "tokdir") },
                           contains: ["m.json", "tokdir", "different merges", "--tokenizer-dir"])
        // a meta from before fingerprints: a warning, then it passes on vocab size alone
        let old: JSONValue = .object([("model_config", .object([("vocab_size", .int(tok.vocabSize))]))])
        XCTAssertNoThrow(try other.checkMatches(meta: old, metaFile: "old.json", tokenizerPath: "tokdir"))
        let smaller: JSONValue = .object([("model_config", .object([("vocab_size", .int(1000))]))])
        assertOneLineError({ try tok.checkMatches(meta: smaller, metaFile: "s.json", tokenizerPath: "tokdir") },
                           contains: ["s.json", "vocab_size 1000", "tokdir"])
    }

    /// base_train stores the fingerprint; resuming or --init-from with a retrained tokenizer is refused.
    func testTrainerStoresAndChecksTheFingerprint() throws {
        let base = try TrainTests.workspace()
        defer { try? FileManager.default.removeItem(atPath: base) }
        var o = TrainTests.options(base, iters: 1); o.modelTag = "fp"
        try BaseTrainer(options: o, dist: .single).train()
        let tok = try Tokenizer.load(directory: base + "/tokenizer")
        let meta = try CheckpointManager.loadMeta(base + "/ckpt/fp", 1)
        XCTAssertEqual(meta[Tokenizer.fingerprintKey]?.string, tok.fingerprint)

        try Self.retrained(tok).save(directory: base + "/tokenizer")
        o.resumeFromStep = 1; o.numIterations = 2
        assertOneLineError({ _ = try BaseTrainer(options: o, dist: .single) }, contains: ["meta_000001.json", "different merges"])
        o.resumeFromStep = -1; o.modelTag = "fp2"; o.initFrom = base + "/ckpt/fp"
        assertOneLineError({ _ = try BaseTrainer(options: o, dist: .single) }, contains: ["meta_000001.json", "different merges"])
    }
}

/// Checkpoint files are synced before and after their rename; stale temporaries of a crashed save go away.
final class DurableCheckpointTests: XCTestCase {
    func testAtomicWriteSyncsAndReplaces() throws {
        let dir = TestPaths.tempDir("durable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = dir + "/a.json"
        try atomicWrite(Data("one".utf8), to: p)
        try atomicWrite(Data("two".utf8), to: p)
        XCTAssertEqual(String(decoding: FileManager.default.contents(atPath: p)!, as: UTF8.self), "two")
        XCTAssertFalse(Paths.exists(p + ".tmp"))
        assertOneLineError({ try fsyncPath(dir + "/missing", what: "file") }, contains: [dir + "/missing", "cannot open file to sync"])
        assertOneLineError({ try atomicWrite(Data(), to: dir + "/no/such/dir/x.json") }, contains: "x.json")
    }

    func testStaleTemporariesAreRemovedOnStartAndOnResave() throws {
        let base = try TrainTests.workspace()
        defer { try? FileManager.default.removeItem(atPath: base) }
        var o = TrainTests.options(base, iters: 2); o.modelTag = "tmp"
        let dir = base + "/ckpt/tmp"
        try Paths.ensureDir(dir)
        // an earlier run died mid-save of step 2 and of step 9
        let stale = [CheckpointManager.modelPath(dir, 2) + ".tmp", CheckpointManager.optimPath(dir, 2, rank: 0) + ".tmp",
                     CheckpointManager.metaPath(dir, 9) + ".tmp"]
        for p in stale { try Data(repeating: 7, count: 10).write(to: URL(fileURLWithPath: p)) }
        let trainer = try BaseTrainer(options: o, dist: .single)   // start: all of them removed
        for p in stale { XCTAssertFalse(Paths.exists(p), p) }
        // a save of a step removes that step's leftovers before writing (here: planted after start)
        try Data(repeating: 7, count: 10).write(to: URL(fileURLWithPath: CheckpointManager.loaderPath(dir, 2, rank: 0) + ".tmp"))
        try trainer.train()
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(left, [])
        XCTAssertEqual(CheckpointManager.completeSteps(dir), [2])
        XCTAssertEqual(CheckpointManager.removeStaleTemporaries(dir), [])
    }
}

/// tok_train says when the corpus cannot reach the vocab, and keeps a bigger tokenizer unless --overwrite.
final class TokTrainGuardTests: XCTestCase {
    func testUnreachableVocabAndNoAccidentalShrink() throws {
        let dir = TestPaths.tempDir("tokguard")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = TestPaths.fixture("tokenizer/train_corpus.txt")
        let tiny = dir + "/tiny.txt"
        try "ab ab ab abc\n".write(toFile: tiny, atomically: true, encoding: .utf8)
        let out = dir + "/tok"
        try TokTrainCommand.run(["--input=\(input)", "--vocab-size=400", "--output-dir=\(out)", "--threads=1"])
        let fp = try Tokenizer.load(directory: out).fingerprint
        // a smaller --vocab-size over it: refused before training
        assertOneLineError({ try TokTrainCommand.run(["--input=\(input)", "--vocab-size=300", "--output-dir=\(out)"]) },
                           contains: ["tokenizer.tiktoken", "vocab 400", "--overwrite"])
        // the same size requested, but the corpus only reaches a few merges: refused after training, says why
        assertOneLineError({ try TokTrainCommand.run(["--input=\(tiny)", "--vocab-size=400", "--output-dir=\(out)"]) },
                           contains: ["vocab 400", "smaller vocab", "--overwrite"])
        XCTAssertEqual(try Tokenizer.load(directory: out).fingerprint, fp, "the existing tokenizer was replaced")
        // with --overwrite it is replaced by what the corpus reaches
        try TokTrainCommand.run(["--input=\(tiny)", "--vocab-size=400", "--output-dir=\(out)", "--overwrite"])
        XCTAssertLessThan(try Tokenizer.load(directory: out).vocabSize, 400)
    }
}
