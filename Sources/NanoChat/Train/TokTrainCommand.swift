import Foundation

/// tok_train's flags (nanochat's scripts/tok_train.py names, plus the input files, threads, --eval, --overwrite).
public struct TokTrainOptions: ToolOptions {
    public var maxChars = 2_000_000_000
    public var docCap = 10_000
    public var vocabSize = 32768
    public var dataDir: String? = nil
    public var input: String? = nil
    public var outputDir: String? = nil
    public var threads = 0
    public var eval = false
    public var overwrite = false

    public init() {}
    public static let program = "tok_train"
    public static let summary = "Train nanochat's BPE tokenizer (or, with --eval, report its compression)."
    public static let fields: [OptionField<TokTrainOptions>] = [
        .int("max-chars", \.maxChars, "maximum characters to train on", min: 1),
        .int("doc-cap", \.docCap, "maximum characters (code points) per document", min: 1),
        .int("vocab-size", \.vocabSize, "vocabulary size, including the 9 special tokens", min: 256 + Tokenizer.specialTokens.count, max: 1 << 24),
        .optionalString("data-dir", \.dataDir, "dataset directory (train split = all shards but the last); default $NANOCHAT_BASE_DIR/base_data", unset: ""),
        .optionalString("input", \.input, "FILE[,FILE...]: train on every document of exactly these files instead of --data-dir", unset: ""),
        .optionalString("output-dir", \.outputDir, "where tokenizer.tiktoken and tokenizer_config.json go; default $NANOCHAT_BASE_DIR/tokenizer", unset: ""),
        .threads(\.threads),
        .bool("eval", \.eval, "do not train: print bytes/token of the tokenizer in --output-dir on built-in texts and the val split"),
        .bool("overwrite", \.overwrite, "replace an existing tokenizer in --output-dir even when the new one is smaller"),
    ]
}

/// `tok_train` (nanochat's scripts/tok_train.py, plus `--eval` = scripts/tok_eval.py). Lives in the library
/// so tests can run it with arguments.
public enum TokTrainCommand {
    /// The executable's one branch: `--eval` without `--input` is tok_eval on the tokenizer in --output-dir (these
    /// arguments as tok_eval's: its own flags, e.g. --offline, pass through); nil = tok_train's own run (with
    /// --input, --eval keeps its table).
    public static func tokEvalArguments(_ args: [String]) -> [String]? {
        let eval = args.contains { $0 == "--eval" || $0 == "--eval=true" || $0 == "--eval=1" }
        return eval && !args.contains(where: { $0.hasPrefix("--input") }) ? TokEvalCommand.aliasArguments(fromTokTrain: args) : nil
    }

    public static func run(_ args: [String]) throws {
        try run(TokTrainOptions.parse(args))
    }

    public static func run(_ options: TokTrainOptions) throws {
        Threads.configure(flag: options.threads, ranksOnHost: 1)
        let outDir = options.outputDir ?? Paths.tokenizerDir
        let dataDir = options.dataDir ?? Paths.baseDataDir
        let inputs = options.input?.split(separator: ",").map(String.init)
        if options.eval {
            let tok = try Tokenizer.load(directory: outDir)
            print0("tokenizer: \(outDir) (vocab \(commas(tok.vocabSize)))")
            try evaluate(tok, dataDir: inputs == nil ? dataDir : nil, inputs: inputs)
            return
        }
        try train(maxChars: options.maxChars, docCap: options.docCap, vocabSize: options.vocabSize,
                  dataDir: dataDir, inputs: inputs, outDir: outDir, overwrite: options.overwrite)
    }

    /// The text feed of tok_train.py: each document cut to doc_cap code points; stop after the document
    /// that pushes the running total over max_chars.
    public static func train(maxChars: Int, docCap: Int, vocabSize: Int, dataDir: String, inputs: [String]?,
                             outDir: String, overwrite: Bool = false) throws {
        let t0 = now()
        // a bigger tokenizer already there (checkpoints may use it) is not replaced by a smaller one by accident
        let existing = existingVocabSize(outDir)
        if let old = existing, old > vocabSize, !overwrite {
            throw NanoChatError(file: Paths.join(outDir, Tokenizer.ranksFileName), "holds a tokenizer of vocab \(old); not replacing it with a smaller one (--vocab-size=\(vocabSize)) without --overwrite")
        }
        let trainer = try BPETrainer(vocabSize: vocabSize, threads: Threads.count)
        guard docCap > 0 else { throw NanoChatError("--doc-cap must be positive") }
        var buffer: [String] = []
        var nchars = 0
        var done = false
        let bufferSize = 8192
        var countTime = 0.0
        let textBytes = try estimatedTextBytes(dataDir: dataDir, inputs: inputs)
        var counting = Progress("counting", total: textBytes.map { min(maxChars, $0) }, unit: "chars")
        func flush() {
            let tc = now()
            trainer.add(buffer)
            countTime += now() - tc
            buffer.removeAll(keepingCapacity: true)
            counting.update(nchars, detail: "\(commas(trainer.documents)) docs")
        }
        func feed(_ doc: String) -> Bool {
            let text = capScalars(doc, docCap)
            nchars += text.unicodeScalars.count
            buffer.append(text)
            if nchars > maxChars { done = true }
            if buffer.count == bufferSize || done { flush() }
            return !done
        }
        let source: String
        if let inputs = inputs {
            source = inputs.joined(separator: ",")
            outer: for file in inputs {
                for d in try DocumentSource.readAll(file) where !feed(d) { break outer }
            }
        } else {
            source = dataDir
            try DocumentSource(path: dataDir).forEachDocument(split: "train") { feed($0) }
        }
        if !buffer.isEmpty { done = true; flush() }
        guard trainer.documents > 0, nchars > 0 else { throw NanoChatError(file: source, "empty corpus: no documents to train on") }
        counting.finish("\(commas(trainer.documents)) documents")

        let t1 = now()
        var merging = Progress("merges", total: nil, unit: "merges")
        let ranks = try trainer.train { doneMerges, total in
            merging.total = total
            merging.update(doneMerges)
        }
        merging.finish()
        let tok = Tokenizer(mergeableRanks: ranks)
        if tok.vocabSize < vocabSize {
            print0("warning: --vocab-size=\(vocabSize) is not reachable on this corpus: its text has no more pairs to merge after "
                   + "\(commas(ranks.count - 256)) merges, so the vocab is \(commas(tok.vocabSize)) (more or more varied text reaches it)")
            if let old = existing, old > tok.vocabSize, !overwrite {
                throw NanoChatError(file: Paths.join(outDir, Tokenizer.ranksFileName), "holds a tokenizer of vocab \(old); not replacing it with the smaller vocab \(tok.vocabSize) this corpus reaches without --overwrite")
            }
        }
        let trainTime = now() - t0
        let mergeTime = now() - t1
        print0("trained \(commas(ranks.count - 256)) merges in " + String(format: "%.3fs (counting %.3fs, merging %.3fs; with reading documents %.3fs)",
                                                                       countTime + mergeTime, countTime, mergeTime, trainTime))
        try tok.save(directory: outDir)
        print0("saved \(Paths.join(outDir, Tokenizer.ranksFileName)) and \(Tokenizer.configFileName) (vocab \(commas(tok.vocabSize)))")

        // the round trip nanochat asserts after training
        let sample = "Hello world! This is a test.\nNumbers: 123, 4567, 89\nContractions: I'm, you're, it's\nSpecial chars: @#$%^&*()\nUnicode: 你好世界 🌍"
        guard tok.decode(tok.encodeOrdinary(sample)) == sample else { throw NanoChatError("tokenizer round trip failed on the sample text") }
        try evaluate(tok, dataDir: inputs == nil ? dataDir : nil, inputs: inputs)
        print0(String(format: "total time: %.1fs", now() - t0))
    }

    /// About how many characters the training text holds (file sizes of the train split, or of `inputs`), for
    /// the counting ETA; nil when a parquet shard is involved (its compressed size says little).
    static func estimatedTextBytes(dataDir: String, inputs: [String]?) throws -> Int? {
        let files: [String]
        if let inputs { files = inputs } else {
            guard Paths.exists(dataDir) else { return nil }
            let src = try DocumentSource(path: dataDir)
            files = src.isSingleFile ? src.files : Array(src.files.dropLast())
        }
        if files.isEmpty || files.contains(where: { $0.hasSuffix(".parquet") }) { return nil }
        return files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
    }

    /// The vocab size of the tokenizer already in `dir` (ranks + specials), nil if there is none or it is unreadable.
    static func existingVocabSize(_ dir: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: Paths.join(dir, Tokenizer.ranksFileName)) else { return nil }
        let lines = data.split(separator: UInt8(ascii: "\n")).filter { !$0.isEmpty }.count
        return lines > 0 ? lines + Tokenizer.specialTokens.count : nil
    }

    static func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, w - s.count))
        return left ? s + fill : fill + s
    }

    /// Cuts to the first `cap` Unicode scalars (Python len semantics).
    static func capScalars(_ s: String, _ cap: Int) -> String {
        let u = s.unicodeScalars
        guard let end = u.index(u.startIndex, offsetBy: cap, limitedBy: u.endIndex), end != u.endIndex else { return s }
        return String(u[..<end])
    }

    /// Bytes/token on built-in text kinds and on the start of the val (and train) split, as a table.
    public static func evaluate(_ tok: Tokenizer, dataDir: String?, inputs: [String]?, sampleBytes: Int = 10_000_000) throws {
        var rows: [(String, [String])] = TokEvalTexts.all.map { ($0.0, [$0.1]) }
        func sample(_ each: (((String) throws -> Bool) throws -> Void)) rethrows -> [String] {
            var docs: [String] = [], n = 0
            try each { d in docs.append(d); n += d.utf8.count; return n < sampleBytes }
            return docs
        }
        if let dir = dataDir, Paths.exists(dir) {
            let src = try DocumentSource(path: dir)
            rows.append(("train", try sample { try src.forEachDocument(split: "train", $0) }))
            rows.append(("val", try sample { try src.forEachDocument(split: "val", $0) }))
        } else if let inputs = inputs {
            rows.append(("input", try sample { body in
                outer: for f in inputs { for d in try DocumentSource.readAll(f) where try !body(d) { break outer } }
            }))
        }
        print0("")
        print0("Kind        |      Bytes |     Tokens | Bytes/token")
        print0("------------|------------|------------|------------")
        for (name, docs) in rows {
            let bytes = docs.reduce(0) { $0 + $1.utf8.count }
            let ids = tok.encodeOrdinaryBatch(docs, threads: Threads.count)
            let tokens = ids.reduce(0) { $0 + $1.count }
            print0(pad(name, 11, left: true) + " | " + pad(commas(bytes), 10) + " | " + pad(commas(tokens), 10) + " | "
                   + String(format: "%11.2f", Double(bytes) / Double(max(tokens, 1))))
        }
    }
}
