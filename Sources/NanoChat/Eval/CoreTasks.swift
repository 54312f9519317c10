import Foundation

/// One CORE task as described by a bundle's `core.yaml` (nanochat/core_eval.py).
public struct CoreTask: Sendable {
    public enum Kind: String, Sendable { case multipleChoice = "multiple_choice", schema, languageModeling = "language_modeling" }
    public let label: String
    public let kind: Kind
    public let numFewshot: Int
    public let delimiter: String
    /// Percent, as in eval_meta_data.csv.
    public let randomBaseline: Double
    /// The JSONL file (absolute path).
    public let path: String

    public init(label: String, kind: Kind, numFewshot: Int, delimiter: String, randomBaseline: Double, path: String) {
        self.label = label; self.kind = kind; self.numFewshot = numFewshot
        self.delimiter = delimiter; self.randomBaseline = randomBaseline; self.path = path
    }
}

/// A task row. Fields are kept exactly as in the JSONL (no normalization).
public enum CoreItem: Sendable, Equatable {
    case multipleChoice(query: String, choices: [String], gold: Int)
    case schema(contextOptions: [String], continuation: String, gold: Int)
    case languageModeling(context: String, continuation: String)
}

/// The tasks of a bundle directory, in core.yaml order, plus those that cannot run (with the reason).
public struct CoreBundle: Sendable {
    public let dir: String
    public let tasks: [CoreTask]
    public let skipped: [(label: String, reason: String)]
    /// Every task core.yaml lists (nanochat's CORE averages over all of them: 22).
    public var declaredCount: Int { tasks.count + skipped.count }

    /// Reads `dir/core.yaml`. Two layouts:
    /// - nanochat's bundle: tasks carry `dataset_uri` (relative to `dir/eval_data/`) and `num_fewshot: [k]`;
    ///   random baselines come from `dir/eval_meta_data.csv` (`Eval Task`, `Random baseline`).
    /// - the flat layout of ../shared/data/core: tasks carry `file` (relative to `dir`; null or a list of
    ///   non-JSONL files means the ICL JSONL is unavailable) and `random_baseline`.
    public init(dir: String) throws {
        self.dir = dir
        let yamlPath = Paths.join(dir, "core.yaml")
        guard Paths.exists(yamlPath) else { throw NanoChatError(file: yamlPath, "no CORE task bundle here (core.yaml missing)") }
        let entries = try MiniYAML.sequence("icl_tasks", inFile: yamlPath)
        if entries.isEmpty { throw NanoChatError(file: yamlPath, "no icl_tasks") }
        var baselines: [String: Double] = [:]
        let csvPath = Paths.join(dir, "eval_meta_data.csv")
        if Paths.exists(csvPath) {
            for row in try CSV.dictRows(file: csvPath) {
                if let t = row["Eval Task"], let b = row["Random baseline"].flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
                    baselines[t] = b
                }
            }
        }
        var tasks: [CoreTask] = [], skipped: [(String, String)] = []
        for (i, e) in entries.enumerated() {
            let whereAt = "\(yamlPath): task #\(i + 1)"
            guard let label = e["label"]?.string else { throw NanoChatError("\(whereAt): no label") }
            guard let kindS = e["icl_task_type"]?.string, let kind = CoreTask.Kind(rawValue: kindS) else {
                throw NanoChatError("\(whereAt) (\(label)): unknown icl_task_type \(e["icl_task_type"]?.first ?? "nil")")
            }
            guard let shotS = e["num_fewshot"]?.first, let shots = Int(shotS), shots >= 0 else {
                throw NanoChatError("\(whereAt) (\(label)): bad num_fewshot")
            }
            let delimiter = e["continuation_delimiter"]?.string ?? " "
            var rb: Double? = baselines[label]
            if let s = e["random_baseline"]?.string {
                guard let v = Double(s) else { throw NanoChatError("\(whereAt) (\(label)): bad random_baseline '\(s)'") }
                rb = v
            }
            var path: String? = nil
            if let uri = e["dataset_uri"]?.string, e["file"] == nil {
                path = Paths.join(dir, "eval_data", uri)
            } else if let f = e["file"] {
                switch f {
                case .scalar(let s): path = Paths.join(dir, s)
                case .null: skipped.append((label, "no data file (file: null)")); continue
                case .list(let l): skipped.append((label, "data only in another format (\(l.joined(separator: ", ")))")); continue
                }
            }
            guard let p = path else { throw NanoChatError("\(whereAt) (\(label)): neither dataset_uri nor file") }
            guard let baseline = rb else {
                throw NanoChatError("\(whereAt) (\(label)): no random baseline (random_baseline in core.yaml or eval_meta_data.csv)")
            }
            guard p.hasSuffix(".jsonl") else { skipped.append((label, "not a JSONL file: \(p)")); continue }
            guard Paths.exists(p) else { skipped.append((label, "file absent: \(p)")); continue }
            tasks.append(CoreTask(label: label, kind: kind, numFewshot: shots, delimiter: delimiter, randomBaseline: baseline, path: p))
        }
        self.tasks = tasks
        self.skipped = skipped
    }
}

extension CoreTask {
    /// All rows of the task file (nanochat: `[json.loads(line.strip()) for line in f]`). Blank lines are
    /// skipped; a malformed row is a one-line error naming file and line.
    public func loadItems() throws -> [CoreItem] {
        guard let data = FileManager.default.contents(atPath: path) else { throw NanoChatError(file: path, "cannot read task file") }
        var items: [CoreItem] = []
        var lineNo = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            lineNo += 1
            let line = data[start..<end]
            start = end < data.endIndex ? end + 1 : end
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            items.append(try parseItem(Data(line), lineNo))
        }
        return items
    }

    func parseItem(_ line: Data, _ lineNo: Int) throws -> CoreItem {
        func fail(_ msg: String) -> NanoChatError { NanoChatError(file: "\(path):\(lineNo)", msg) }
        guard let obj = try? JSONSerialization.jsonObject(with: line), let d = obj as? [String: Any] else {
            throw fail("not a JSON object")
        }
        func str(_ k: String) throws -> String {
            guard let s = d[k] as? String else { throw fail("'\(k)' missing or not a string (\(kind.rawValue) row)") }
            return s
        }
        func strs(_ k: String) throws -> [String] {
            guard let a = d[k] as? [Any], !a.isEmpty else { throw fail("'\(k)' missing or not a non-empty list (\(kind.rawValue) row)") }
            return try a.map { guard let s = $0 as? String else { throw fail("'\(k)' has a non-string element") }; return s }
        }
        func gold(_ n: Int) throws -> Int {
            guard let num = d["gold"] as? NSNumber, let g = Int(exactly: num.doubleValue) else {
                throw fail("'gold' missing or not an integer")
            }
            guard g >= 0 && g < n else { throw fail("gold \(g) out of range 0..<\(n)") }
            return g
        }
        switch kind {
        case .multipleChoice:
            let choices = try strs("choices")
            return .multipleChoice(query: try str("query"), choices: choices, gold: try gold(choices.count))
        case .schema:
            let opts = try strs("context_options")
            return .schema(contextOptions: opts, continuation: try str("continuation"), gold: try gold(opts.count))
        case .languageModeling:
            return .languageModeling(context: try str("context"), continuation: try str("continuation"))
        }
    }

    /// nanochat's order and subset: `Random(1337).shuffle(data)`, then the first `maxPerTask` if > 0.
    public static func shuffledAndTruncated(_ items: [CoreItem], maxPerTask: Int) -> [CoreItem] {
        var data = items
        var rng = PyRandom(seed: 1337)
        rng.shuffle(&data)
        if maxPerTask > 0 && data.count > maxPerTask { data = Array(data.prefix(maxPerTask)) }
        return data
    }
}
