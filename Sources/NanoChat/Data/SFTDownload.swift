import Foundation

/// `dataset --sft`: the parquet files nanochat's SFT tasks load (tasks/common.py `load_hub_dataset`: the hub's
/// parquet export, listed by `/api/datasets/{repo}/parquet/{subset}/{split}`), into
/// `sft_data/{task}/{split}/00000.parquet ...` with a manifest.json. Each split is downloaded into
/// `{split}.partial/` and renamed into place when every shard is in and opens as parquet, so chat_sft never
/// reads half a split; a rerun skips complete splits and the shards already in a `.partial` directory.
public enum SFTDownload {
    public struct Source: Sendable {
        /// Directory under sft_data, as MixtureSpec.defaults reads it.
        public let task: String
        public let repo: String, subset: String, split: String
    }

    /// nanochat's scripts/chat_sft.py mixture: SmolTalk train/test, MMLU all auxiliary_train/test, GSM8K main train/test.
    public static let sources: [Source] = [
        Source(task: "smoltalk", repo: "HuggingFaceTB/smol-smoltalk", subset: "default", split: "train"),
        Source(task: "smoltalk", repo: "HuggingFaceTB/smol-smoltalk", subset: "default", split: "test"),
        Source(task: "mmlu", repo: "cais/mmlu", subset: "all", split: "auxiliary_train"),
        Source(task: "mmlu", repo: "cais/mmlu", subset: "all", split: "test"),
        Source(task: "gsm8k", repo: "openai/gsm8k", subset: "main", split: "train"),
        Source(task: "gsm8k", repo: "openai/gsm8k", subset: "main", split: "test"),
    ]

    public static let defaultHubURL = "https://huggingface.co"
    /// `$NANOCHAT_HF_URL` (a mirror, or a local server in tests), else huggingface.co.
    public static var hubURL: String { ProcessInfo.processInfo.environment["NANOCHAT_HF_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultHubURL }

    public struct Summary { public var splits = 0, skipped = 0, files = 0, bytes = 0 }

    /// Downloads every source not yet complete under `dir`; throws one line naming what failed.
    @discardableResult
    public static func download(into dir: String, hubURL hub: String = hubURL, http: HTTPDownload = HTTPDownload(),
                                sources: [Source] = sources, style: Progress.Style = Progress.defaultStyle()) throws -> Summary {
        let hub = hub.hasSuffix("/") ? String(hub.dropLast()) : hub
        var summary = Summary()
        for s in sources {
            let final = Paths.join(dir, s.task, s.split)
            if Paths.exists(Paths.join(final, "manifest.json")) { summary.skipped += 1; continue }
            let listing = URL(string: "\(hub)/api/datasets/\(s.repo)/parquet/\(s.subset)/\(s.split)")!
            let urls = try shardURLs(try http.get(listing), hub: hub, listing: listing)
            let partial = final + ".partial"
            try Paths.ensureDir(partial)
            let meter = ByteMeter(Progress("\(s.task)/\(s.split)", total: urls.count, unit: "files", style: style))
            var names: [String] = []
            for (i, url) in urls.enumerated() {
                let name = String(format: "%05d.parquet", i), path = Paths.join(partial, name)
                names.append(name)
                if !Paths.exists(path) {
                    if let e = http.fetchWithRetries(url, to: path, label: "\(s.task)/\(s.split)/\(name)",
                                                     onBytes: meter.add, say: meter.say) {
                        throw NanoChatError("dataset --sft: \(url.absoluteString) failed after \(http.attempts) attempts (\(e)); rerun to resume (finished files in \(partial) are kept)")
                    }
                    summary.files += 1
                }
                do { _ = try ParquetFile(path: path, column: nil) } catch {
                    try? FileManager.default.removeItem(atPath: path)
                    throw NanoChatError("dataset --sft: \(url.absoluteString) is not a parquet file (\(error)); removed, rerun to retry")
                }
                meter.file(i + 1)
            }
            let manifest = try JSONSerialization.data(withJSONObject: names)
            try atomicWrite(manifest, to: Paths.join(partial, "manifest.json"))
            if Paths.exists(final) { try FileManager.default.removeItem(atPath: final) }   // an older layout without a manifest
            try atomicRename(partial, final)
            summary.bytes += meter.finish()
            summary.splits += 1
        }
        return summary
    }

    /// The listing: a JSON array of parquet URLs. URLs on huggingface.co are moved to `hub` when it is a mirror.
    static func shardURLs(_ body: Data, hub: String, listing: URL) throws -> [URL] {
        guard let list = try? JSONSerialization.jsonObject(with: body) as? [String], !list.isEmpty, list.count <= 10_000 else {
            throw NanoChatError("dataset --sft: \(listing.absoluteString) did not answer a JSON list of parquet URLs")
        }
        return try list.map { raw in
            var s = raw
            if hub != defaultHubURL && s.hasPrefix(defaultHubURL + "/") { s = hub + s.dropFirst(defaultHubURL.count) }
            guard let u = URL(string: s), u.scheme == "http" || u.scheme == "https" else {
                throw NanoChatError("dataset --sft: \(listing.absoluteString) lists a bad URL '\(raw)'")
            }
            return u
        }
    }
}

/// A Progress shared with URLSession's delegate thread: files done, and MB and MB/s in the detail.
final class ByteMeter: @unchecked Sendable {
    private var progress: Progress
    private let lock = NSLock()
    private var bytes = 0, files = 0
    private let start = now()

    init(_ p: Progress) { progress = p }

    func add(_ n: Int) {
        lock.lock(); defer { lock.unlock() }
        bytes += n
        progress.update(files, detail: detail())
    }
    func file(_ done: Int) {
        lock.lock(); defer { lock.unlock() }
        files = done
        progress.update(files, detail: detail())
    }
    func say(_ s: String) {
        lock.lock(); defer { lock.unlock() }
        progress.clear()
        print0(s)
    }
    /// Ends the line; the bytes downloaded.
    func finish() -> Int {
        lock.lock(); defer { lock.unlock() }
        progress.update(files)
        progress.finish(detail())
        return bytes
    }
    private func detail() -> String {
        String(format: "%.1f MB, %.1f MB/s", Double(bytes) / 1e6, Double(bytes) / 1e6 / max(now() - start, 1e-6))
    }
}
