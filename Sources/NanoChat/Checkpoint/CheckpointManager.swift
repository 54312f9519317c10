import Foundation

/// nanochat's checkpoint directory layout (nanochat/checkpoint_manager.py), in safetensors:
///   {dir}/model_{step:06d}.safetensors        weights, nanochat names (rank 0)
///   {dir}/optim_{step:06d}_rank{r}.safetensors rank r's shard of the optimizer state (the rows and matrices it owns)
///   {dir}/loader_{step:06d}_rank{r}.json       each rank's data-loader state (exact resume on N ranks)
///   {dir}/meta_{step:06d}.json                 written LAST: a step counts as saved only once it exists
/// Every file goes to a temporary name first and is renamed, so a crash mid-save leaves the previous
/// checkpoint intact and the half-written step invisible.
public enum CheckpointManager {
    public static func stepName(_ step: Int) -> String { String(format: "%06d", step) }
    public static func modelPath(_ dir: String, _ step: Int) -> String { Paths.join(dir, "model_\(stepName(step)).safetensors") }
    public static func optimPath(_ dir: String, _ step: Int, rank: Int) -> String { Paths.join(dir, "optim_\(stepName(step))_rank\(rank).safetensors") }
    public static func loaderPath(_ dir: String, _ step: Int, rank: Int) -> String { Paths.join(dir, "loader_\(stepName(step))_rank\(rank).json") }
    public static func metaPath(_ dir: String, _ step: Int) -> String { Paths.join(dir, "meta_\(stepName(step)).json") }
    /// `{dir}/best/`: base_train --save-best's lowest-val-bpb checkpoint, a checkpoint directory of one step.
    public static func bestDir(_ dir: String) -> String { Paths.join(dir, "best") }

    /// Steps with a complete checkpoint (a meta file), ascending.
    public static func completeSteps(_ dir: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.compactMap { n -> Int? in
            guard n.hasPrefix("meta_"), n.hasSuffix(".json") else { return nil }
            return Int(n.dropFirst(5).dropLast(5))
        }.sorted()
    }

    public static func lastStep(_ dir: String) throws -> Int {
        guard let s = completeSteps(dir).last else { throw NanoChatError(file: dir, "no complete checkpoint (no meta_*.json)") }
        return s
    }

    /// nanochat's default model tag: the largest `d<N>` directory, else the most recently modified one.
    public static func resolveTag(_ checkpointsDir: String) throws -> String {
        let fm = FileManager.default
        let allNames = ((try? fm.contentsOfDirectory(atPath: checkpointsDir)) ?? []).filter {
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: Paths.join(checkpointsDir, $0), isDirectory: &isDir) && isDir.boolValue
        }
        guard !allNames.isEmpty else { throw NanoChatError(file: checkpointsDir, "no checkpoints found (train a model with base_train first)") }
        // A run refused before its first save (e.g. a too-large --depth) leaves an empty tag directory behind;
        // prefer tags that hold a complete checkpoint so it does not shadow the real run.
        let complete = allNames.filter { tag in
            ((try? fm.contentsOfDirectory(atPath: Paths.join(checkpointsDir, tag))) ?? []).contains {
                $0.hasPrefix("meta_") && $0.hasSuffix(".json")
            }
        }
        let names = complete.isEmpty ? allNames : complete
        let depthTags = names.compactMap { n -> (Int, String)? in
            guard n.hasPrefix("d"), let d = Int(n.dropFirst()) else { return nil }
            return (d, n)
        }
        if let best = depthTags.max(by: { $0.0 < $1.0 }) { return best.1 }
        func mtime(_ n: String) -> Date {
            ((try? fm.attributesOfItem(atPath: Paths.join(checkpointsDir, n)))?[.modificationDate] as? Date) ?? .distantPast
        }
        return names.max { mtime($0) < mtime($1) }!
    }

    /// Writes one rank's files; rank 0 also writes the model and, after every rank is done, the meta. The
    /// meta always gets the tokenizer's fingerprint, so every tool that saves checkpoints records it.
    public static func save(dir: String, step: Int, model: GPT, optimizer: MuonAdamW?, loaderState: JSONValue?,
                            meta: JSONValue, tokenizer: Tokenizer, dist: Distributed) throws {
        let meta = withFingerprint(meta, tokenizer)
        try Paths.ensureDir(dir)
        // leftovers of an interrupted save of this same step (each rank clears only the names it writes)
        var mine = [optimPath(dir, step, rank: dist.rank), loaderPath(dir, step, rank: dist.rank)]
        if dist.rank == 0 { mine += [modelPath(dir, step), metaPath(dir, step)] }
        for p in mine where Paths.exists(p + ".tmp") { try? FileManager.default.removeItem(atPath: p + ".tmp") }
        if dist.rank == 0 { try model.save(to: modelPath(dir, step)) }
        // optimizer state is replicated across ranks today; every rank still writes its own shard file,
        // so the layout already fits a sharded optimizer.
        if let o = optimizer { try o.save(to: optimPath(dir, step, rank: dist.rank)) }
        if let ls = loaderState { try atomicWrite(Data(ls.serialized().utf8), to: loaderPath(dir, step, rank: dist.rank)) }
        dist.barrier()
        if dist.rank == 0 { try atomicWrite(Data(meta.serialized().utf8), to: metaPath(dir, step)) }
        dist.barrier()
    }

    /// For `--init-from=model_S.safetensors`: checks the tokenizer against the meta next to it (`meta_S.json`);
    /// a bare weights file without one (e.g. exported from PyTorch) is said once and accepted.
    public static func checkTokenizer(_ tokenizer: Tokenizer, forModelFile file: String, tokenizerPath: String) throws {
        let name = (file as NSString).lastPathComponent
        let dir = (file as NSString).deletingLastPathComponent
        guard name.hasPrefix("model_"), name.hasSuffix(".safetensors"), let step = Int(name.dropFirst(6).dropLast(12)),
              Paths.exists(metaPath(dir, step)) else {
            print0("warning: \(file) has no meta_*.json next to it; cannot check that \(tokenizerPath) is the tokenizer it was trained with")
            return
        }
        try tokenizer.checkMatches(meta: loadMeta(dir, step), metaFile: metaPath(dir, step), tokenizerPath: tokenizerPath)
    }

    /// `meta` with `tokenizer_fingerprint` set (replaced if present).
    public static func withFingerprint(_ meta: JSONValue, _ tokenizer: Tokenizer) -> JSONValue {
        guard case .object(var kv) = meta else { return meta }
        kv.removeAll { $0.0 == Tokenizer.fingerprintKey }
        kv.append((Tokenizer.fingerprintKey, .string(tokenizer.fingerprint)))
        return .object(kv)
    }

    public static func loadMeta(_ dir: String, _ step: Int) throws -> JSONValue {
        let p = metaPath(dir, step)
        guard let d = FileManager.default.contents(atPath: p) else { throw NanoChatError(file: p, "no such checkpoint meta file") }
        let v = try JSONValue.parse(String(decoding: d, as: UTF8.self), file: p)
        guard v["model_config"] != nil else { throw NanoChatError(file: p, "meta has no model_config") }
        return v
    }

    public static func modelConfig(from meta: JSONValue, file: String) throws -> GPTConfig {
        guard let mc = meta["model_config"] else { throw NanoChatError(file: file, "meta has no model_config") }
        let cfg: GPTConfig
        do { cfg = try JSONDecoder().decode(GPTConfig.self, from: Data(mc.serialized().utf8)) }
        catch { throw NanoChatError(file: file, "model_config is incomplete (\(error))") }
        do { try cfg.validate() } catch let e as NanoChatError { throw NanoChatError(file: file, e.message) }
        return cfg
    }

    /// A loader state (meta's dataloader_state_dict or a loader_*.json file); wrong or missing keys name the file.
    public static func loaderState(_ json: JSONValue, file: String) throws -> LoaderState {
        do { return try JSONDecoder().decode(LoaderState.self, from: Data(json.serialized().utf8)) }
        catch let DecodingError.keyNotFound(key, _) { throw NanoChatError(file: file, "loader state has no \"\(key.stringValue)\"") }
        catch let DecodingError.typeMismatch(_, ctx) {
            throw NanoChatError(file: file, "loader state has a wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        }
        catch { throw NanoChatError(file: file, "not a loader state (\(error))") }
    }

    public static func loadLoaderState(_ dir: String, _ step: Int, rank: Int) throws -> JSONValue? {
        let p = loaderPath(dir, step, rank: rank)
        guard let d = FileManager.default.contents(atPath: p) else { return nil }
        return try JSONValue.parse(String(decoding: d, as: UTF8.self), file: p)
    }

    /// Builds a model from `{dir}/meta_{step}.json` + `model_{step}.safetensors` (ours or PyTorch nanochat's).
    public static func loadModel(dir: String, step: Int) throws -> (GPT, JSONValue) {
        let meta = try loadMeta(dir, step)
        let cfg = try modelConfig(from: meta, file: metaPath(dir, step))
        try ModelSize.check(cfg, rows: 0, training: false, what: metaPath(dir, step))
        let model = try GPT(config: cfg)
        try model.load(from: SafetensorsFile(path: modelPath(dir, step)))
        return (model, meta)
    }

    /// `base_checkpoints/{tag or largest d<N>}/`, step = given or last complete; `best` = that tag's `best/`.
    public static func loadModel(checkpointsDir: String = Paths.baseCheckpointsDir, modelTag: String?, step: Int?,
                                 best: Bool = false) throws -> (model: GPT, meta: JSONValue, dir: String, step: Int) {
        let tag = try modelTag ?? resolveTag(checkpointsDir)
        var dir = Paths.join(checkpointsDir, tag)
        guard Paths.exists(dir) else { throw NanoChatError(file: dir, "no such checkpoint directory") }
        if best {
            dir = bestDir(dir)
            guard Paths.exists(dir) else { throw NanoChatError(file: dir, "no best checkpoint (train with --save-best and --eval-every)") }
        }
        let s = try step ?? lastStep(dir)
        let (m, meta) = try loadModel(dir: dir, step: s)
        return (m, meta, dir, s)
    }

    /// Deletes the `*.tmp` files an interrupted save left in a checkpoint directory (call once at start, on
    /// rank 0, before any save); returns their names.
    @discardableResult
    public static func removeStaleTemporaries(_ dir: String) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".tmp") }.sorted()
        for n in names { try? FileManager.default.removeItem(atPath: Paths.join(dir, n)) }
        if !names.isEmpty { print0("Removed \(names.count) unfinished file(s) of an interrupted save from \(dir): \(names.joined(separator: ", "))") }
        return names
    }

    /// Deletes all but the newest `keep` complete checkpoints (and any files of steps without meta older than them).
    public static func prune(_ dir: String, keepLast keep: Int) {
        guard keep > 0 else { return }
        let steps = completeSteps(dir)
        guard steps.count > keep else { return }
        let doomed = Set(steps.dropLast(keep).map(stepName))
        for n in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            for s in doomed where n.contains("_\(s)") && !n.hasPrefix("meta_") { try? FileManager.default.removeItem(atPath: Paths.join(dir, n)) }
        }
        // meta last, mirroring the save order
        for s in doomed { try? FileManager.default.removeItem(atPath: Paths.join(dir, "meta_\(s).json")) }
    }
}
