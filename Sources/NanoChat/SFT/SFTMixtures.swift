import Foundation

/// What chat_sft trains and validates on. The training mixture is `--mixture`, else nanochat's from
/// `--sft-data-dir` (`dataset --sft`), else the mixture shipped in data/sft (GSM8K train, MMLU dev, our
/// conversations). Validation is `--val-mixture`, else nanochat's test splits when the training mixture is
/// nanochat's, else the last `holdoutFraction` of each training task's rows, held out from training: every
/// run reports val loss and bpb, as nanochat's always does.
public enum SFTMixtures {
    /// nanochat's val/train ratio (SmolTalk test 24K : train 460K ≈ 5%).
    public static let holdoutFraction = 0.05
    /// Our conversations are few (a few hundred) and are what makes the model introduce itself: listed this
    /// many times in the bundled mixture (GSM8K and MMLU dev use --gsm8k-epochs and --mmlu-epochs).
    public static let conversationEpochs = 8

    public struct Resolved {
        public var train: [MixtureEntry]
        public var val: [MixtureEntry]
        /// One line each, printed before training: where the data comes from, the holdout.
        public var notes: [String]
    }

    /// The bundled mixture over the decompressed files of data/sft (a task at 0 epochs left out).
    public static func bundled(paths: [String: String], mmluEpochs: Int, gsm8kEpochs: Int) -> [MixtureEntry] {
        [MixtureEntry(task: "gsm8k", path: paths["gsm8k_train.jsonl"]!, epochs: gsm8kEpochs),
         MixtureEntry(task: "mmlu", path: paths["mmlu_dev.jsonl"]!, epochs: mmluEpochs),
         MixtureEntry(task: "customjson", path: paths["conversations.jsonl"]!, epochs: conversationEpochs)].filter { $0.epochs > 0 }
    }

    /// Train and val entries: for each training entry of n ≥ 2 rows (after its own start-stop), the last
    /// max(1, ⌈n·fraction⌉) rows become a validation entry and leave the training entry. Entries naming the same
    /// rows (the same task, path and range) are split the same way and validated once. `rows(e)` counts an entry.
    public static func holdout(_ entries: [MixtureEntry], fraction: Double = holdoutFraction,
                               rows: (MixtureEntry) throws -> Int) throws -> (train: [MixtureEntry], val: [MixtureEntry]) {
        var train: [MixtureEntry] = [], val: [MixtureEntry] = []
        for e in entries {
            let n = try rows(e)
            guard n >= 2 else { train.append(e); continue }
            let h = min(n - 1, max(1, Int((Double(n) * fraction).rounded(.up))))
            let cut = e.start + n - h
            var t = e; t.stop = cut
            let v = MixtureEntry(task: e.task, path: e.path, epochs: 1, start: cut, stop: e.start + n)
            train.append(t)
            if !val.contains(v) { val.append(v) }
        }
        return (train, val)
    }

    /// "gsm8k 7099-7473 (374 rows), ..." for the holdout line.
    static func describe(_ val: [MixtureEntry]) -> String {
        val.map { v in
            let name = ((v.path as NSString).lastPathComponent)
            return "\(v.task):\(name) rows \(v.start)-\(v.stop ?? v.start) (\(commas((v.stop ?? v.start) - v.start)))"
        }.joined(separator: ", ")
    }

    public static func resolve(_ o: SFTOptions, bundleSource: String? = BundledSFT.sourceDir(),
                               bundleInstallDir: String = BundledSFT.installDir, install: Bool = true) throws -> Resolved {
        var notes: [String] = []
        var train: [MixtureEntry], val: [MixtureEntry]? = try o.valMixture.map { try MixtureSpec.parse($0, flag: "val-mixture") }
        if let m = o.mixture {
            train = try MixtureSpec.parse(m, flag: "mixture")
        } else {
            let defaults = MixtureSpec.defaults(sftDataDir: o.sftDataDir, mmluEpochs: o.mmluEpochs, gsm8kEpochs: o.gsm8kEpochs)
            if !defaults.train.isEmpty {
                train = defaults.train
                if val == nil && !defaults.val.isEmpty { val = defaults.val }
            } else {
                guard let source = bundleSource else { throw NanoChatError(MixtureSpec.missingDataMessage(sftDataDir: o.sftDataDir)) }
                let (paths, installed) = try BundledSFT.ensure(dir: bundleInstallDir, source: source, install: install)
                train = bundled(paths: paths, mmluEpochs: o.mmluEpochs, gsm8kEpochs: o.gsm8kEpochs)
                notes.append("NOTE: no SFT data in \(o.sftDataDir) — using the mixture bundled in \(source) "
                    + "(\(o.gsm8kEpochs)× GSM8K train, \(o.mmluEpochs)× MMLU dev, \(conversationEpochs)× NanoChat's conversations; "
                    + "\(installed ? "decompressed into" : "from") \(bundleInstallDir)). Run `dataset --sft` for nanochat's.")
            }
        }
        guard !train.isEmpty else { throw NanoChatError(MixtureSpec.missingDataMessage(sftDataDir: o.sftDataDir)) }
        if val == nil {
            let split = try holdout(train) { try MixtureSpec.task($0).count }
            train = split.train
            val = split.val
            notes.append(split.val.isEmpty
                ? "WARNING: no --val-mixture and no training task has 2 rows to hold one out: val loss is not computed"
                : "Validation (no --val-mixture): the last \(Int(holdoutFraction * 100))% of each training task, held out from training: "
                  + describe(split.val))
        }
        return Resolved(train: train, val: val ?? [], notes: notes)
    }
}
