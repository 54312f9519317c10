import Foundation

/// The `--mixture` / `--val-mixture` flag: comma-separated `task:path[:epochs[:start-stop]]` entries, e.g.
/// `gsm8k:data/gsm8k_train.jsonl:4,mmlu:data/mmlu/dev:3,alpaca:data/alpaca.json:1:0-4500`.
/// `task` is one of `taskNames`; `path` a file or a directory of shard files (read in name order);
/// `epochs` how many times the rows are listed in the mixture (default 1); `start-stop` a row range
/// (0-based, stop exclusive, either side may be empty) so one file can give train and held-out val rows.
/// The tasks nanochat loads with `.shuffle(seed=42)` (gsm8k, mmlu, smoltalk, arc) are shuffled the same way
/// (`TaskShuffle`) over all the rows of `path` first, and the range slices the shuffled rows, as nanochat's
/// `MMLU(split="test", stop=5200)` does; alpaca and customjson keep file order.
public struct MixtureEntry: Equatable {
    public var task: String
    public var path: String
    public var epochs: Int
    public var start: Int
    public var stop: Int?
    public init(task: String, path: String, epochs: Int = 1, start: Int = 0, stop: Int? = nil) {
        self.task = task; self.path = path; self.epochs = epochs; self.start = start; self.stop = stop
    }
    public var description: String {
        var s = "\(task):\(path):\(epochs)"
        if start != 0 || stop != nil { s += ":\(start)-\(stop.map(String.init) ?? "")" }
        return s
    }
}

public enum MixtureSpec {
    public static let taskNames = ["gsm8k", "mmlu", "arc", "alpaca", "customjson", "smoltalk"]
    /// Tasks whose nanochat loader shuffles its dataset with seed 42 (tasks/gsm8k.py, mmlu.py, smoltalk.py, arc.py).
    public static let shuffledTasks: Set<String> = ["gsm8k", "mmlu", "smoltalk", "arc"]

    public static func parse(_ spec: String, flag: String) throws -> [MixtureEntry] {
        let items = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw NanoChatError("--\(flag): empty mixture (expected task:path[:epochs],...)") }
        return try items.map { item in
            var fields = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2, taskNames.contains(fields[0].lowercased()) else {
                throw NanoChatError("--\(flag): '\(item)': expected task:path[:epochs[:start-stop]] with task one of \(taskNames.joined(separator: ", "))")
            }
            let task = fields.removeFirst().lowercased()
            var entry = MixtureEntry(task: task, path: "")
            // peel numeric fields off the right so a path may itself contain ':'
            if fields.count >= 3, let range = parseRange(fields.last!) {
                entry.start = range.0; entry.stop = range.1; fields.removeLast()
                guard let e = Int(fields.last!) else { throw NanoChatError("--\(flag): '\(item)': epochs '\(fields.last!)' is not an integer") }
                entry.epochs = e; fields.removeLast()
            } else if fields.count >= 2, let e = Int(fields.last!) {
                entry.epochs = e; fields.removeLast()
            }
            entry.path = fields.joined(separator: ":")
            guard !entry.path.isEmpty else { throw NanoChatError("--\(flag): '\(item)': empty path") }
            guard entry.epochs >= 1 && entry.epochs <= 1000 else {
                throw NanoChatError("--\(flag): '\(item)': epochs must be 1..1000, got \(entry.epochs)")
            }
            guard Paths.exists(entry.path) else { throw NanoChatError("--\(flag): '\(item)': no such file or directory \(entry.path)") }
            return entry
        }
    }

    static func parseRange(_ s: String) -> (Int, Int?)? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let a = parts[0].isEmpty ? 0 : Int(parts[0]), b = parts[1].isEmpty ? nil : Int(parts[1])
        guard let start = a, start >= 0, parts[1].isEmpty || (b != nil && b! >= start) else { return nil }
        return (start, b)
    }

    /// One task for an entry (a directory becomes the sequence of its shard files, like nanochat's concatenated
    /// parquet shards), shuffled as nanochat shuffles it, then sliced to the row range.
    public static func task(_ e: MixtureEntry) throws -> ChatTask {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: e.path, isDirectory: &isDir) else {
            throw NanoChatError(file: e.path, "no such file or directory")
        }
        var base: ChatTask
        if isDir.boolValue && e.task != "mmlu" {
            let exts = [".jsonl", ".json", ".parquet", ".csv"]
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: e.path)) ?? [])
                .filter { n in n != "manifest.json" && exts.contains { n.hasSuffix($0) } }.sorted()   // dataset --sft's manifest
            guard !names.isEmpty else { throw NanoChatError(file: e.path, "no .jsonl/.json/.parquet files in this directory") }
            base = TaskSequence(try names.map { try fileTask(e.task, Paths.join(e.path, $0)) })
        } else {
            base = try fileTask(e.task, e.path)
        }
        if shuffledTasks.contains(e.task) { base = TaskShuffle(base) }
        if e.start == 0 && e.stop == nil { return base }
        return TaskSlice(base, start: e.start, stop: e.stop)
    }

    static func fileTask(_ task: String, _ path: String) throws -> ChatTask {
        switch task {
        case "gsm8k": return try GSM8K(path: path)
        case "mmlu": return try MMLU(path: path)
        case "arc": return try ARC(path: path)
        case "alpaca": return try Alpaca(path: path)
        case "customjson": return try CustomJSON(path: path)
        case "smoltalk": return try SmolTalk(path: path)
        default: throw NanoChatError("unknown task '\(task)' (\(taskNames.joined(separator: ", ")))")
        }
    }

    /// nanochat's TaskMixture over the entries, each listed `epochs` times (loaded once).
    public static func mixture(_ entries: [MixtureEntry]) throws -> TaskMixture {
        var tasks: [ChatTask] = []
        for e in entries {
            let t = try task(e)
            tasks += Array(repeating: t, count: e.epochs)
        }
        return TaskMixture(tasks)
    }

    // MARK: - Defaults from $NANOCHAT_BASE_DIR/sft_data (written by `dataset --sft`)

    /// nanochat's SFT mixture (scripts/chat_sft.py): SmolTalk train, 3× MMLU auxiliary_train, 4× GSM8K train; val:
    /// SmolTalk test, MMLU test[:5200], GSM8K test[:420]. Only sources present under `dir` are used; ARC and
    /// MMLU's test split are never trained on (chat_eval scores them). `dataset --sft` writes each split as a
    /// directory of HF parquet shards (`smoltalk/train/00000.parquet`, ...), renamed into place when complete;
    /// the slices are of the shuffled rows (see `task`), so they are nanochat's rows.
    public static func defaults(sftDataDir dir: String, mmluEpochs: Int = 3, gsm8kEpochs: Int = 4) -> (train: [MixtureEntry], val: [MixtureEntry]) {
        var train: [MixtureEntry] = [], val: [MixtureEntry] = []
        func find(_ sub: String, _ prefix: String) -> String? {
            let d = Paths.join(dir, sub)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: d)) ?? []).filter { $0.hasPrefix(prefix) && !$0.hasSuffix(".partial") }.sorted()
            if names.isEmpty { return nil }
            if names.count == 1 { return Paths.join(d, names[0]) }
            return nil  // several shards: the caller uses the directory of that prefix
        }
        func shards(_ sub: String, _ prefix: String) -> String? {
            if let f = find(sub, prefix) { return f }
            let d = Paths.join(dir, sub, prefix)  // dataset --sft writes multi-shard splits into sub/prefix/
            return Paths.exists(d) ? d : nil
        }
        if let p = shards("smoltalk", "train") { train.append(MixtureEntry(task: "smoltalk", path: p)) }
        // epochs 0 leaves the task out of training (nanochat's `range(0)`); its validation split stays
        if mmluEpochs > 0, let p = shards("mmlu", "auxiliary_train") { train.append(MixtureEntry(task: "mmlu", path: p, epochs: mmluEpochs)) }
        if gsm8kEpochs > 0, let p = shards("gsm8k", "train") { train.append(MixtureEntry(task: "gsm8k", path: p, epochs: gsm8kEpochs)) }
        if let p = shards("smoltalk", "test") { val.append(MixtureEntry(task: "smoltalk", path: p)) }
        if let p = shards("mmlu", "test") { val.append(MixtureEntry(task: "mmlu", path: p, stop: 5200)) }
        if let p = shards("gsm8k", "test") { val.append(MixtureEntry(task: "gsm8k", path: p, stop: 420)) }
        return (train, val)
    }

    /// The one line shown when no mixture was given and `sft_data` holds nothing to train on.
    public static func missingDataMessage(sftDataDir dir: String) -> String {
        "chat_sft: no SFT data in \(dir); run `dataset --sft` (smol-smoltalk, MMLU auxiliary_train, GSM8K) or pass --mixture=gsm8k:PATH.jsonl:4,mmlu:DIR_OF_CSV:3,alpaca:PATH.json:1,customjson:PATH.jsonl:2,smoltalk:PATH.jsonl:1 and --val-mixture=... (e.g. ../shared/data/sft/gsm8k_train.jsonl, ../shared/data/sft/mmlu/dev)"
    }
}
