import Foundation

/// nanochat's scripts/base_eval.py `place_eval_bundle`: when `$NANOCHAT_BASE_DIR/eval_bundle` is missing,
/// download `eval_bundle.zip` (kept beside it, as nanochat keeps it) and unpack it with our own zip reader
/// into `eval_bundle.partial/`, then move its `eval_bundle/` into place, so a cut download or a bad zip never
/// leaves a half bundle that base_eval would read.
public enum EvalBundleDownload {
    public static let defaultURL = "https://karpathy-public.s3.us-west-2.amazonaws.com/eval_bundle.zip"
    /// `$NANOCHAT_EVAL_BUNDLE_URL`, else nanochat's URL.
    public static var url: String {
        ProcessInfo.processInfo.environment["NANOCHAT_EVAL_BUNDLE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultURL
    }

    /// Makes `bundleDir` (holding core.yaml) from the zip at `url`; nil on success, else one line saying why
    /// it is not available. Offline this returns within `probeTimeout` seconds.
    public static func fetch(into bundleDir: String, url: String = url, http: HTTPDownload = HTTPDownload(),
                             probeTimeout: Double = 8, say: (String) -> Void = { print0($0) }) -> String? {
        guard let u = URL(string: url), u.scheme == "http" || u.scheme == "https" else { return "bad eval bundle URL '\(url)'" }
        let parent = (bundleDir as NSString).deletingLastPathComponent
        let zip = Paths.join(parent, "eval_bundle.zip")
        do {
            try Paths.ensureDir(parent)
            if !Paths.exists(zip) {
                if let why = HTTPDownload.probe(u, timeout: probeTimeout) { return "cannot reach \(url) (\(why))" }
                say("Downloading \(url) to \(zip)")
                let meter = ByteMeter(Progress("eval_bundle.zip", total: 1, unit: "files"))
                if let e = http.fetchWithRetries(u, to: zip, label: "eval_bundle.zip", onBytes: meter.add, say: meter.say) {
                    return "download of \(url) failed (\(e))"
                }
                meter.file(1)
                _ = meter.finish()
            }
            try place(zip: zip, bundleDir: bundleDir)
            say("Placed eval_bundle directory at \(bundleDir)")
            return nil
        } catch let e as NanoChatError {
            try? FileManager.default.removeItem(atPath: zip)   // a bad zip is fetched again next time
            return e.message
        } catch {
            return "\(error)"
        }
    }

    /// Unpacks `zip` (its top-level `eval_bundle/`, or core.yaml at the root) into `bundleDir`.
    public static func place(zip: String, bundleDir: String) throws {
        let archive = try ZipArchive(path: zip)
        let partial = bundleDir + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        defer { try? FileManager.default.removeItem(atPath: partial) }
        try archive.extract(to: partial)
        let inner = Paths.join(partial, "eval_bundle")
        let root = Paths.exists(Paths.join(inner, "core.yaml")) ? inner : partial
        guard Paths.exists(Paths.join(root, "core.yaml")) else {
            throw NanoChatError(file: zip, "no eval_bundle/core.yaml in this zip (not nanochat's eval bundle)")
        }
        try atomicRename(root, bundleDir)
    }
}
