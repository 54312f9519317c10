import Foundation

/// nanochat's report.py for this port: `$NANOCHAT_BASE_DIR/report/report.md` with the machine, the git
/// commit, the tokenizer, every training run (config, final loss, val bpb, CORE, tokens/s, time), the
/// base_eval CSVs, and SVG plots of training loss and val bpb against step with the runs overlaid.
public struct Report {
    public var baseDir: String
    public var outDir: String
    /// Where to ask git for the commit (the current directory by default; nil to leave git out).
    public var repoDir: String? = FileManager.default.currentDirectoryPath
    public var clock: () -> Date = { Date() }

    public init(baseDir: String = Paths.baseDir, outDir: String? = nil) {
        self.baseDir = baseDir
        self.outDir = outDir ?? Paths.join(baseDir, "report")
    }

    public struct Written {
        public var markdown: String
        public var plots: [String]
        public var runs: Int
    }

    /// Writes report.md and the plots; returns their paths.
    @discardableResult
    public func write() throws -> Written {
        try Paths.ensureDir(outDir)
        let runs = RunSummary.discover(baseDir: baseDir)
        var md = "# NanoChat report\n\n"
        let stamp = ISO8601DateFormatter().string(from: clock())
        md += "Generated \(stamp) by `report` from `\(baseDir)`.\n\n"
        md += machineSection() + tokenizerSection() + runsSection(runs) + evalSection()
        let (plotsMd, files) = try plotsSection(runs)
        md += plotsMd
        let path = Paths.join(outDir, "report.md")
        try atomicWrite(Data(md.utf8), to: path)
        return Written(markdown: path, plots: files, runs: runs.count)
    }

    // MARK: - Sections

    func machineSection() -> String {
        var s = "## Machine\n\n"
        s += "- CPU: \(Platform.cpuModel ?? "unknown") (\(ProcessInfo.processInfo.activeProcessorCount) cores)\n"
        s += String(format: "- Memory: %.1f GiB\n", Double(Platform.physicalMemory) / 1_073_741_824)
        s += "- System: \(Platform.systemName)\n"
        s += "- Git commit: \(gitCommit() ?? "not available")\n\n"
        return s
    }

    /// `abc1234… (branch main)` plus "with uncommitted changes" when the tree is dirty; nil without git.
    func gitCommit() -> String? {
        guard let repoDir, let head = Self.run("git", ["-C", repoDir, "rev-parse", "HEAD"]), !head.isEmpty else { return nil }
        var s = "`\(head)`"
        if let branch = Self.run("git", ["-C", repoDir, "rev-parse", "--abbrev-ref", "HEAD"]), !branch.isEmpty { s += " (branch \(branch))" }
        if let status = Self.run("git", ["-C", repoDir, "status", "--porcelain", "--untracked-files=no"]), !status.isEmpty {
            s += ", with uncommitted changes"
        }
        return s
    }

    /// Runs a program found on PATH; its trimmed stdout, or nil if it cannot run or fails.
    static func run(_ program: String, _ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func tokenizerSection() -> String {
        let dir = Paths.join(baseDir, "tokenizer")
        var s = "## Tokenizer\n\n"
        guard let tok = try? Tokenizer.load(path: dir) else {
            return s + "No tokenizer in `\(dir)`.\n\n"
        }
        s += "- Directory: `\(dir)`\n"
        s += "- Vocabulary: \(commas(tok.vocabSize)) tokens (256 bytes + \(commas(tok.mergeableRanks.count - 256)) merges + \(Tokenizer.specialTokens.count) special)\n"
        s += "\n| Text | Bytes | Tokens | Bytes/token |\n|---|---:|---:|---:|\n"
        for (name, text) in TokEvalTexts.all {
            let bytes = text.utf8.count, tokens = tok.encodeOrdinary(text).count
            s += "| \(name) | \(commas(bytes)) | \(commas(tokens)) | " + String(format: "%.2f", Double(bytes) / Double(max(1, tokens))) + " |\n"
        }
        return s + "\n"
    }

    func runsSection(_ runs: [RunSummary]) -> String {
        var s = "## Training runs\n\n"
        guard !runs.isEmpty else {
            return s + "No checkpoints in `\(Paths.join(baseDir, "base_checkpoints"))` or `\(Paths.join(baseDir, "chatsft_checkpoints"))`.\n\n"
        }
        func f(_ v: Double?, _ fmt: String) -> String { v.map { String(format: fmt, $0) } ?? "–" }
        s += "| Run | Params | Last step | Final loss | Val bpb | CORE | Tokens/s | Time |\n"
        s += "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in runs {
            s += "| \(r.name) | \(r.parameters.map(commas) ?? "–") | \(r.lastStep.map(String.init) ?? "–") | \(f(r.finalLoss, "%.4f")) | "
            s += "\(f(r.finalValBpb, "%.4f")) | \(f(r.finalCore, "%.4f")) | \(r.tokensPerSecond.map { commas(Int($0.rounded())) } ?? "–") | "
            s += "\(r.trainingSeconds.map(Progress.duration) ?? "–") |\n"
        }
        s += "\n"
        for r in runs {
            s += "### \(r.name)\n\n- Directory: `\(r.dir)`\n"
            if let c = r.modelConfig {
                s += "- Model: \(c.nLayer) layers, width \(c.nEmbd), \(c.nHead) heads (\(c.nKvHead) kv), sequence length \(c.sequenceLen), vocab \(commas(c.vocabSize)), window pattern \(c.windowPattern)\n"
            }
            if let p = r.metaProblem { s += "- Checkpoint meta could not be read: \(p)\n" }
            if r.lastStep == nil { s += "- No complete checkpoint yet.\n" }
            if let log = r.log {
                s += "- Log: \(commas(log.entries.count)) steps in `\(TrainLog.fileName)`"
                if log.skippedLines > 0 { s += " (\(log.skippedLines) unreadable lines skipped)" }
                s += "\n"
            } else {
                s += "- No `\(TrainLog.fileName)`, so this run is not in the plots.\n"
            }
            let cfg = r.userConfig
            if !cfg.isEmpty {
                s += "\n<details><summary>Flags (user_config)</summary>\n\n| Flag | Value |\n|---|---|\n"
                for (k, v) in cfg { s += "| \(k) | `\(v)` |\n" }
                s += "\n</details>\n"
            }
            s += "\n"
        }
        return s
    }

    /// base_eval's CSVs (`base_eval/base_model_{step}.csv`): the CORE line of each.
    func evalSection() -> String {
        let dir = Paths.join(baseDir, "base_eval")
        let csvs = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".csv") }.sorted()
        guard !csvs.isEmpty else { return "" }
        var s = "## base_eval results\n\n| File | CORE | Tasks |\n|---|---:|---:|\n"
        for name in csvs {
            guard let text = try? String(contentsOfFile: Paths.join(dir, name), encoding: .utf8) else { continue }
            let lines = text.split(separator: "\n").dropFirst()
            let core = lines.first { $0.hasPrefix("CORE") }.flatMap { $0.split(separator: ",").last }
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? "–"
            s += "| `\(name)` | \(core) | \(lines.filter { !$0.hasPrefix("CORE") }.count) |\n"
        }
        return s + "\n"
    }

    /// Training loss and val bpb against step, linear and log-log, every run with a log overlaid.
    func plotsSection(_ runs: [RunSummary]) throws -> (String, [String]) {
        let logged = runs.filter { $0.log != nil }
        var s = "## Plots\n\n"
        guard !logged.isEmpty else { return (s + "No run has a `\(TrainLog.fileName)` yet, so there is nothing to plot.\n", []) }
        var files: [String] = []
        // logKey: the train_log.jsonl key named when no run logged it (nil: say nothing, e.g. ChatCORE off)
        let specs: [(file: String, title: String, yLabel: String, key: KeyPath<TrainLogEntry, Double?>, scale: LinePlot.Scale, logKey: String?)] = [
            ("train_loss.svg", "Training loss", "loss", \.loss, .linear, "loss"),
            ("train_loss_log.svg", "Training loss (log-log)", "loss", \.loss, .log, nil),
            ("val_bpb.svg", "Validation bits per byte", "val bpb", \.valBpb, .linear, "val_bpb"),
            ("val_bpb_log.svg", "Validation bits per byte (log-log)", "val bpb", \.valBpb, .log, nil),
            ("chatcore.svg", "ChatCORE during chat_sft", "ChatCORE", \.chatcore, .linear, nil),
            ("rl_reward.svg", "chat_rl mean reward (GSM8K)", "reward", \.reward, .linear, nil),
        ]
        for spec in specs {
            let series = logged.map { LinePlot.Series(name: $0.name, points: $0.log!.series(spec.key)) }.filter { !$0.points.isEmpty }
            guard !series.isEmpty else {
                if let key = spec.logKey { s += "No run logged `\(key)`.\n\n" }
                continue
            }
            let plot = LinePlot(title: spec.title, xLabel: "step", yLabel: spec.yLabel, xScale: spec.scale, yScale: spec.scale,
                                series: series)
            let path = Paths.join(outDir, spec.file)
            try atomicWrite(Data(plot.svg.utf8), to: path)
            files.append(path)
            s += "![\(spec.title)](\(spec.file))\n\n"
        }
        return (s, files)
    }
}
