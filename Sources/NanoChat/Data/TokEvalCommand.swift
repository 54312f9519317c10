import Foundation

/// `tok_eval` (nanochat's scripts/tok_eval.py): our tokenizer against GPT-2 and GPT-4 on nanochat's texts
/// plus the first batch (row group) of the train and val splits. The reference rank files come from
/// `--reference-dir` (default `$NANOCHAT_BASE_DIR/tokenizer_ref/`), downloaded there from tiktoken's URLs
/// when missing and the network answers; a missing column is said in one line. Here (floor 4) because it
/// reads the data shards and downloads; the measuring and tables are `Tokenizer/TokEval.swift`.
public struct TokEvalOptions: ToolOptions {
    public var tokenizerDir: String? = nil
    public var referenceDir: String? = nil
    public var dataDir: String? = nil
    public var offline = false
    public var threads = 0

    public init() {}
    public static let program = "tok_eval"
    public static let summary = "Compare our tokenizer's compression with GPT-2's and GPT-4's (nanochat's tok_eval.py)."
    public static let fields: [OptionField<TokEvalOptions>] = [
        .optionalString("tokenizer-dir", \.tokenizerDir, "our tokenizer; default $NANOCHAT_BASE_DIR/tokenizer"),
        .optionalString("reference-dir", \.referenceDir, "r50k_base.tiktoken / cl100k_base.tiktoken; default $NANOCHAT_BASE_DIR/tokenizer_ref"),
        .optionalString("data-dir", \.dataDir, "dataset for the climbmix-train/val rows; default $NANOCHAT_BASE_DIR/base_data(_climbmix)"),
        .bool("offline", \.offline, "never download the reference rank files"),
        .threads(\.threads),
    ]
}

public enum TokEvalCommand {
    public static func run(_ options: TokEvalOptions) throws {
        Threads.configure(flag: options.threads, ranksOnHost: 1)
        let ours = try Tokenizer.load(directory: options.tokenizerDir ?? Paths.tokenizerDir)
        let refDir = options.referenceDir ?? Paths.join(Paths.baseDir, "tokenizer_ref")
        let dataDir = options.dataDir ?? Paths.baseDataDir
        try evaluate(ours, referenceDir: refDir, dataDir: Paths.exists(dataDir) ? dataDir : nil, download: !options.offline)
    }

    /// `tok_train --eval` arguments as tok_eval's: `--output-dir` names the tokenizer, `--eval` goes.
    public static func aliasArguments(fromTokTrain args: [String]) -> [String] {
        args.compactMap { arg in
            if arg == "--eval" || arg.hasPrefix("--eval=") { return nil }
            if arg == "--output-dir" || arg == "--output_dir" { return "--tokenizer-dir" }
            for prefix in ["--output-dir=", "--output_dir="] where arg.hasPrefix(prefix) {
                return "--tokenizer-dir=" + arg.dropFirst(prefix.count)
            }
            return arg
        }
    }

    /// nanochat's texts, the split batches when `dataDir` has them, every available reference; prints the tables.
    public static func evaluate(_ ours: Tokenizer, referenceDir: String, dataDir: String?, download: Bool) throws {
        var texts = TokEvalTexts.all
        if let dataDir {
            let source = try DocumentSource(path: dataDir)
            for (split, name) in [("train", "climbmix-train"), ("val", "climbmix-val")] {
                guard let files = try? source.splitFileCount(split), files > 0, try source.rowGroupCount(split, 0) > 0 else { continue }
                texts.append((name, try source.readRowGroup(split, 0, 0).joined(separator: "\n")))   // parquets_iter_batched's first batch
            }
        }
        let names = texts.map(\.0)
        var found: [(TokEval.Reference, Tokenizer)] = [], missing: [String] = []
        for ref in TokEval.references {
            let path = Paths.join(referenceDir, ref.file)
            if !Paths.exists(path) && download {
                try? Paths.ensureDir(referenceDir)
                var http = HTTPDownload()
                http.attempts = 1; http.idleTimeout = 30
                if let problem = http.fetchWithRetries(URL(string: ref.url)!, to: path, label: ref.file, say: { _ in }) {
                    missing.append("\(ref.name) (\(ref.file): \(problem))")
                    continue
                }
                print0("downloaded \(ref.url) to \(path)")
            }
            guard Paths.exists(path) else { missing.append("\(ref.name) (no \(path); --offline)"); continue }
            found.append((ref, try Tokenizer.load(tiktokenFile: path, split: ref.split)))
        }
        let ourCounts = try TokEval.measure(ours, name: "ours", texts: texts)
        print0("")
        print0("Vocab sizes:")
        for (ref, _) in found { print0("\(ref.name): \(ref.vocabSize)") }
        print0("Ours: \(ours.vocabSize)")
        let color = Platform.isTerminal(STDOUT_FILENO)
        for (ref, tok) in found {
            let counts = try TokEval.measure(tok, name: ref.name, texts: texts)
            for line in TokEval.comparison(baseline: ref.name, counts, ours: ourCounts, names: names, color: color) { print0(line) }
        }
        if found.isEmpty { for line in TokEval.table(ourCounts, names: names) { print0(line) } }
        print0("round trip decode(encode(t)) == t: ok on \(texts.count) texts × \(found.count + 1) tokenizers")
        if !missing.isEmpty { print0("missing columns: " + missing.joined(separator: "; ")) }
    }
}
