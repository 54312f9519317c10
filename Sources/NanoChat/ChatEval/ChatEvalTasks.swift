import Foundation

/// The five tasks of chat_eval and ChatCORE, in nanochat's order, with their chance baselines and where
/// their files live in a data directory laid out like `../shared/data` (or flat).
public struct ChatEvalTaskSpec: Equatable, Sendable {
    public enum Kind: Sendable { case categorical, generative }
    /// nanochat's task name ("ARC-Easy").
    public let name: String
    public let kind: Kind
    /// Accuracy of guessing: 1 of 4 letters, 0 for open answers.
    public let baseline: Double
    /// Candidate paths inside the data directory, first existing wins.
    public let files: [String]
    /// Lowercase file-name form ("arc_easy") for the per-problem JSONL.
    public var slug: String { name.lowercased().replacingOccurrences(of: "-", with: "_") }
}

public enum ChatEvalTasks {
    public static let all: [ChatEvalTaskSpec] = [
        .init(name: "ARC-Easy", kind: .categorical, baseline: 0.25, files: ["core/arc_easy.jsonl", "arc_easy.jsonl"]),
        .init(name: "ARC-Challenge", kind: .categorical, baseline: 0.25, files: ["core/arc_challenge.jsonl", "arc_challenge.jsonl"]),
        .init(name: "MMLU", kind: .categorical, baseline: 0.25, files: ["sft/mmlu/test", "mmlu/test"]),
        .init(name: "GSM8K", kind: .generative, baseline: 0, files: ["sft/gsm8k_test.jsonl", "gsm8k_test.jsonl"]),
        .init(name: "HumanEval", kind: .generative, baseline: 0,
              files: ["sft/HumanEval.jsonl.gz", "HumanEval.jsonl.gz", "sft/HumanEval.jsonl", "HumanEval.jsonl"]),
    ]

    /// nanochat's `-a`: names joined with `|`; nil or "" = all five. Unknown names are one error line.
    public static func parse(_ names: String?) throws -> [ChatEvalTaskSpec] {
        guard let names, !names.isEmpty else { return all }
        return try names.split(separator: "|", omittingEmptySubsequences: false).map { raw in
            let n = raw.trimmingCharacters(in: .whitespaces)
            guard let spec = all.first(where: { $0.name == n }) ?? all.first(where: { $0.name.lowercased() == n.lowercased() }) else {
                throw NanoChatError("--task-name: unknown task '\(n)' (known: \(all.map(\.name).joined(separator: "|")))")
            }
            return spec
        }
    }

    /// `$NANOCHAT_BASE_DIR/chat_eval_data` when it exists, else `../shared/data` (this project's shared
    /// data, relative to the working directory) when it exists, else the former (errors name it).
    public static var defaultDataDir: String {
        let own = Paths.join(Paths.baseDir, "chat_eval_data")
        if Paths.exists(own) { return own }
        let shared = Paths.join(FileManager.default.currentDirectoryPath, "..", "shared", "data")
        return Paths.exists(shared) ? (shared as NSString).standardizingPath : own
    }

    /// The task's file or directory in `dataDir`; a missing one is one line naming the expected path.
    public static func path(of spec: ChatEvalTaskSpec, dataDir: String) throws -> String {
        for rel in spec.files where Paths.exists(Paths.join(dataDir, rel)) { return Paths.join(dataDir, rel) }
        throw NanoChatError(file: Paths.join(dataDir, spec.files[0]), "\(spec.name) task file not found (pass --data-dir=DIR holding \(spec.files[0]))")
    }

    /// Loads the task's rows (in file order).
    public static func load(_ spec: ChatEvalTaskSpec, dataDir: String) throws -> ChatTask {
        let p = try path(of: spec, dataDir: dataDir)
        switch spec.name {
        case "ARC-Easy", "ARC-Challenge": return try ARC(path: p, name: spec.slug)
        case "MMLU": return try MMLU(path: p)
        case "GSM8K": return try GSM8K(path: p)
        default: return try HumanEval(path: p)
        }
    }

    /// nanochat's problem order: HF `datasets` `.shuffle(seed=42)` of the rows, i.e. position i scores row order[i].
    public static func order(count: Int) -> [Int] { NumpyPermutation.permutation(count, seed: 42) }

    /// ChatCORE: the mean over the five tasks of (acc − baseline)/(1 − baseline); nil unless all five ran.
    public static func chatCORE(_ accuracies: [String: Double]) -> Double? {
        guard all.allSatisfy({ accuracies[$0.name] != nil }) else { return nil }
        return all.reduce(0.0) { $0 + centered($1, accuracies[$1.name]!) } / Double(all.count)
    }

    /// ChatCORE over the three categorical tasks only (nanochat's chat_sft also logs it).
    public static func chatCORECategorical(_ accuracies: [String: Double]) -> Double? {
        let cat = all.filter { $0.kind == .categorical }
        guard cat.allSatisfy({ accuracies[$0.name] != nil }) else { return nil }
        return cat.reduce(0.0) { $0 + centered($1, accuracies[$1.name]!) } / Double(cat.count)
    }

    public static func centered(_ spec: ChatEvalTaskSpec, _ accuracy: Double) -> Double {
        (accuracy - spec.baseline) / (1 - spec.baseline)
    }
}
