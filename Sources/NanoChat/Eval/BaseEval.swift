import Foundation

/// base_eval's logic (scripts/base_eval.py) on an already loaded model and tokenizer: **sample** (rank 0), **bpb**
/// on the train and val splits, **core** (CSV on rank 0), or, with `--text`, the bits per byte of one file.
/// The executable supplies the checkpoint loading and the batch source (the data loader).
public enum BaseEval {
    public struct Options {
        public var modes: Set<String> = ["core", "bpb", "sample"]
        // CPU sizes, about a minute for a d4 on 2 idle cores: bpb on 16,384 tokens per split (nanochat's
        // runs/runcpu.sh), 5 examples per CORE task (runcpu.sh's 16 take ~3 min there)
        public var maxPerTask = 5
        public var deviceBatchSize = 1
        public var splitTokens = 16384
        public var bundleDir = Paths.evalBundleDir
        public var textFile: String? = nil
        public var csvDir = Paths.baseEvalDir
        public init() {}

        /// Sizes a caller may have set by hand (the flags are range-checked already).
        public func validate() throws {
            guard deviceBatchSize >= 1 else { throw NanoChatError("base_eval: --device-batch-size=\(deviceBatchSize) must be ≥ 1") }
            guard splitTokens >= 1 else { throw NanoChatError("base_eval: --split-tokens=\(splitTokens) must be ≥ 1") }
            guard maxPerTask == -1 || maxPerTask >= 1 else { throw NanoChatError("base_eval: --max-per-task=\(maxPerTask) must be ≥ 1 or -1") }
        }

        /// Parses `--eval core,bpb,sample` (unknown names are an error).
        public static func parseModes(_ s: String) throws -> Set<String> {
            let m = Set(s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            let bad = m.subtracting(["core", "bpb", "sample"])
            if !bad.isEmpty { throw NanoChatError("base_eval: unknown --eval mode(s) \(bad.sorted().joined(separator: ",")) (use core,bpb,sample)") }
            return m
        }
    }

    public struct Results {
        public var samples: [String] = []
        public var unconditioned: [String] = []
        public var bpb: [String: Double] = [:]
        public var core: CoreResult? = nil
        public var csvPath: String? = nil
        public var text: (bpb: Double, tokens: Int)? = nil
    }

    /// The CORE bundle when no --bundle-dir is given: nanochat's `$NANOCHAT_BASE_DIR/eval_bundle`, else the
    /// subset shipped in data/core (nanochat's layout, the tasks whose licenses allow it), with the one line
    /// that says so; `evalBundle` when neither has a core.yaml (base_eval then skips CORE with its own line).
    public static func defaultBundleDir(evalBundle: String = Paths.evalBundleDir,
                                        bundled: String? = BundledCore.sourceDir()) -> (dir: String, note: String?) {
        if Paths.exists(Paths.join(evalBundle, "core.yaml")) { return (evalBundle, nil) }
        guard let b = bundled else { return (evalBundle, nil) }
        return (b, "NOTE: no CORE bundle at \(evalBundle) — using the subset bundled in \(b) (up to 100 rows per task, "
                 + "the tasks whose licenses allow shipping them; see its README.md). nanochat's eval_bundle.zip unpacked there is used when present.")
    }

    /// A `--text` file: empty is an error (no bytes to measure), invalid UTF-8 is decoded with U+FFFD
    /// replacement and said once, as the shard reader does.
    static func readText(_ file: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: file) else { throw NanoChatError(file: file, "cannot read text file") }
        guard !data.isEmpty else { throw NanoChatError(file: file, "empty text file: no bytes to measure bits per byte on") }
        if let text = String(data: data, encoding: .utf8) { return text }
        print0("warning: \(file): invalid UTF-8, decoded with U+FFFD replacement")
        return String(decoding: data, as: UTF8.self)
    }

    /// `makeBatches(split, B, T)` returns a fresh source of (inputs, targets) batches for "train" / "val".
    public static func run(model: LanguageModel, tokenizer: TextTokenizer, step: Int, options o: Options,
                           dist: Distributed,
                           makeBatches: (_ split: String, _ B: Int, _ T: Int) throws -> () throws -> (inputs: [Int32], targets: [Int32]))
        throws -> Results {
        guard tokenizer.vocabSize == model.config.vocabSize else {
            throw NanoChatError("base_eval: tokenizer vocab size \(tokenizer.vocabSize) does not match the model's \(model.config.vocabSize)")
        }
        try o.validate()
        // the CORE results CSV: find out now, not after the evaluation, that it cannot be written
        if o.modes.contains("core") && dist.isMaster { try Paths.ensureWritable(o.csvDir, what: "eval output directory") }
        var r = Results()
        let T = model.config.sequenceLen
        // CORE tasks are read first so the plan can say how many examples there are
        var loaded: [CoreEval.LoadedTask] = [], bundle: CoreBundle? = nil
        if o.modes.contains("core") {
            bundle = try CoreBundle(dir: o.bundleDir)
            loaded = try CoreEval.load(bundle: bundle!, maxPerTask: o.maxPerTask)
        }
        let bpbSteps = o.modes.contains("bpb") ? o.splitTokens / (o.deviceBatchSize * T * dist.worldSize) : 0
        if o.modes.contains("bpb") || o.modes.contains("core") {
            print0(plan(model: model, tokenizer: tokenizer, bpbTokens: bpbSteps * o.deviceBatchSize * T * dist.worldSize,
                        loaded: loaded, worldSize: dist.worldSize))
        }
        if let file = o.textFile {
            let text = try readText(file)
            var progress = Progress("text bpb", total: nil, unit: "tokens")
            let res = LossEval.bitsPerByte(ofText: text, model: model, tokenizer: tokenizer, T: T, batchSize: o.deviceBatchSize) { done, total in
                progress.total = total
                progress.update(done)
            }
            progress.finish()
            guard res.bpb.isFinite else { throw NanoChatError(file: file, "bits per byte is \(res.bpb) (\(res.tokens) tokens)") }
            r.text = res
            print0("tokens: \(res.tokens)")
            print0(String(format: "bpb: %.6f", res.bpb))
        }
        if o.modes.contains("sample") && dist.isMaster {
            print0("\n" + String(repeating: "=", count: 40) + "\nSamples\n" + String(repeating: "=", count: 40))
            r.samples = try Sampling.conditionedSamples(model: model, tokenizer: tokenizer)
            print0("\nUnconditioned samples:")
            r.unconditioned = try Sampling.unconditionedSamples(model: model, tokenizer: tokenizer)
        }
        if o.modes.contains("bpb") {
            print0("\n" + String(repeating: "=", count: 40) + "\nBPB Eval\n" + String(repeating: "=", count: 40))
            let B = o.deviceBatchSize
            let tokensPerStep = B * T * dist.worldSize
            guard bpbSteps > 0 else {
                throw NanoChatError("base_eval: --split-tokens=\(o.splitTokens) is less than one step of B·T·W = \(tokensPerStep) tokens")
            }
            for split in ["train", "val"] {
                let next = try makeBatches(split, B, T)
                var progress = Progress("\(split) bpb", total: bpbSteps * tokensPerStep, unit: "tokens")
                let bpb = try LossEval.bitsPerByte(model: model, tokenBytes: tokenizer.tokenBytes, steps: bpbSteps, B: B, T: T, dist: dist,
                                                   onStep: { progress.update($0 * tokensPerStep) }, next: next)
                progress.finish()
                r.bpb[split] = bpb
                print0("\(split) bpb: " + String(format: "%.6f", bpb))
            }
        }
        if o.modes.contains("core") {
            print0("\n" + String(repeating: "=", count: 40) + "\nCORE Eval\n" + String(repeating: "=", count: 40))
            let core = try CoreEval.evaluate(loaded: loaded, bundle: bundle!, model: model, tokenizer: tokenizer, dist: dist)
            r.core = core
            if dist.isMaster {
                let path = try core.writeCSV(step: step, dir: o.csvDir)
                r.csvPath = path
                print0(String(repeating: "=", count: 80))
                print0("Model: base_model (step \(step))")
                print0(String(repeating: "=", count: 80))
                print0(core.csv)
                print0("Results: \(path)")
            }
            print0(core.coreLine)
        }
        return r
    }

    /// One line saying what bpb and CORE will do and about how long: the time per token comes from one
    /// timed forward of [1, T] (after a warm-up one), the CORE tokens from rendering up to 4 examples per task.
    public static func plan(model: LanguageModel, tokenizer: TextTokenizer, bpbTokens: Int, loaded: [CoreEval.LoadedTask],
                            worldSize: Int) -> String {
        let T = model.config.sequenceLen
        let x = [Int32](repeating: tokenizer.bosId, count: T)
        _ = model.perTokenLoss(inputs: x, targets: x, B: 1, T: T)
        let t0 = now()
        _ = model.perTokenLoss(inputs: x, targets: x, B: 1, T: T)
        let perToken = (now() - t0) / Double(T)
        var coreTokens = 0.0
        for item in loaded where !item.data.isEmpty {
            let k = min(4, item.data.count)
            var sampled = 0
            for i in 0..<k {
                // a forward scores all rows padded to the longest one
                if let p = try? CoreRender.prepare(item.task, data: item.data, idx: i, tokenizer: tokenizer) {
                    sampled += p.rows.count * (p.rows.map(\.count).max() ?? 0)
                }
            }
            coreTokens += Double(sampled) / Double(k) * Double(item.data.count)
        }
        var parts: [String] = []
        if bpbTokens > 0 { parts.append("bpb on \(commas(bpbTokens)) tokens per split") }
        if !loaded.isEmpty {
            parts.append("CORE on \(commas(loaded.reduce(0) { $0 + $1.data.count })) examples of \(loaded.count) tasks")
        }
        let seconds = (2 * Double(bpbTokens) + coreTokens) * perToken / Double(max(1, worldSize))
        return "Plan: " + parts.joined(separator: ", ") + ", ~" + Progress.duration(seconds)
            + " (at \(Progress.rate(1 / perToken)) tokens/s from a timed forward)"
    }
}
