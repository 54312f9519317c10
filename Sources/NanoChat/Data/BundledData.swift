import Foundation

/// Data shipped in the repository under `data/` besides the books: `data/sft` (chat_sft's offline mixture,
/// zstd files decompressed into `$NANOCHAT_BASE_DIR/sft_bundled`) and `data/core` (a CORE subset in
/// nanochat's eval_bundle layout, read in place). Provenance and licenses: each directory's README.md;
/// dev/data/make_bundled_sft.py and make_bundled_core.py rebuild them.
public enum BundledData {
    /// `data/<sub>` of the checkout this binary was built from (found through this source file's path), else
    /// `./data/<sub>`, after `$env` when set; the first that `isValid` accepts.
    static func repoDir(_ sub: String, env: String, isValid: (String) -> Bool) -> String? {
        var candidates: [String] = []
        if let e = ProcessInfo.processInfo.environment[env], !e.isEmpty { candidates.append(e) }
        // #filePath is Sources/NanoChat/Data/BundledData.swift at build time: the repo is four levels up
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(repo.appendingPathComponent("data/\(sub)").path)
        candidates.append(Paths.join(FileManager.default.currentDirectoryPath, "data/\(sub)"))
        return candidates.first(where: isValid)
    }

    /// The `.zst` files of a directory, in name order.
    static func zstFiles(in dir: String, prefix: String = "") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".zst") }.sorted().map { Paths.join(dir, $0) }
    }

    /// Decompresses `files` into `dir` (each to a temporary name, then renamed), then writes `marker` with the
    /// source README; returns the bytes written.
    static func decompress(_ files: [String], into dir: String, marker: String, from source: String) throws -> Int {
        try Paths.ensureDir(dir)
        var bytes = 0
        for f in files {
            let data = try ZstdFile.decompress(f)
            bytes += data.count
            try atomicWrite(data, to: Paths.join(dir, String((f as NSString).lastPathComponent.dropLast(4))))  // drop ".zst"
        }
        let readme = (try? String(contentsOfFile: Paths.join(source, "README.md"), encoding: .utf8)) ?? ""
        try atomicWrite(Data("Decompressed from \(source)\n\n\(readme)".utf8), to: Paths.join(dir, marker))
        return bytes
    }
}

/// data/sft: GSM8K train, MMLU dev and our conversations, chat_sft's mixture when there is no `sft_data`.
public enum BundledSFT {
    public static let marker = "BUNDLED_SFT.md"
    public static let files = ["gsm8k_train.jsonl", "mmlu_dev.jsonl", "conversations.jsonl"]
    public static var installDir: String { Paths.join(Paths.baseDir, "sft_bundled") }

    /// `data/sft` with all three files (`$NANOCHAT_SFT_BUNDLE` first), nil when this checkout has none.
    public static func sourceDir() -> String? {
        BundledData.repoDir("sft", env: "NANOCHAT_SFT_BUNDLE") { d in files.allSatisfy { Paths.exists(Paths.join(d, $0 + ".zst")) } }
    }

    /// The decompressed files in `dir`, installed from `source` unless the marker says they are there.
    /// Returns (paths by file name, whether it installed now). `install: false` only names the files (MPI
    /// ranks > 0, after rank 0 installed them).
    @discardableResult
    public static func ensure(dir: String = installDir, source: String, install: Bool = true) throws -> (paths: [String: String], installed: Bool) {
        let paths = Dictionary(uniqueKeysWithValues: files.map { ($0, Paths.join(dir, $0)) })
        let present = Paths.exists(Paths.join(dir, marker)) && paths.values.allSatisfy(Paths.exists)
        if !present && install {
            _ = try BundledData.decompress(files.map { Paths.join(source, $0 + ".zst") }, into: dir, marker: marker, from: source)
        }
        return (paths, !present)
    }
}

/// data/core: a CORE subset in nanochat's eval_bundle layout (core.yaml, eval_meta_data.csv, eval_data/),
/// base_eval's bundle when `$NANOCHAT_BASE_DIR/eval_bundle` is absent.
public enum BundledCore {
    /// `data/core` with a core.yaml (`$NANOCHAT_CORE_BUNDLE` first), nil when this checkout has none.
    public static func sourceDir() -> String? {
        BundledData.repoDir("core", env: "NANOCHAT_CORE_BUNDLE") { Paths.exists(Paths.join($0, "core.yaml")) }
    }
}
