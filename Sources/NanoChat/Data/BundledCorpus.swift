import Foundation

/// The offline default corpus: Project Gutenberg children's books shipped in the repository as
/// `data/gutenberg/gutenberg_0000{0…6}.txt.zst` (built by dev/data/make_bundled_corpus.py; provenance
/// and license in data/gutenberg/README.md). When a data directory has no shards and the network is not
/// there, `dataset` and `base_train` decompress it into the data directory, where it reads like any
/// `.txt` shards: documents separated by `<|endoftext|>`, the last shard (other books than the train
/// shards, by another author) the val split.
public enum BundledCorpus {
    /// Marker written beside the shards (not a shard name), so later runs can say what the data is.
    public static let marker = "BUNDLED_CORPUS.md"

    /// `data/gutenberg` of the checkout this binary was built from, else `./data/gutenberg`, after
    /// `$NANOCHAT_CORPUS_DIR`; nil when none has the shards.
    public static func sourceDir() -> String? {
        BundledData.repoDir("gutenberg", env: "NANOCHAT_CORPUS_DIR") { !shardFiles(in: $0).isEmpty }
    }

    /// The compressed shards of a source directory, in name order.
    public static func shardFiles(in dir: String) -> [String] {
        BundledData.zstFiles(in: dir, prefix: "gutenberg_").filter { $0.hasSuffix(".txt.zst") }
    }

    public static func isInstalled(dataDir: String) -> Bool { Paths.exists(Paths.join(dataDir, marker)) }

    /// Decompresses the shards into `dataDir` (each written to a temporary name, then renamed) and writes
    /// the marker; returns (shards, bytes).
    @discardableResult
    public static func install(into dataDir: String, from source: String) throws -> (shards: Int, bytes: Int) {
        let files = shardFiles(in: source)
        guard !files.isEmpty else { throw NanoChatError(file: source, "no gutenberg_*.txt.zst shards here") }
        let bytes = try BundledData.decompress(files, into: dataDir, marker: marker, from: source)
        return (files.count, bytes)
    }

    /// What an empty data directory gets offline: the bundled books if this checkout has them, else the
    /// generated corpus (announced as synthetic). Does nothing when `dataDir` already holds shards.
    /// Returns a one-word description of what the directory holds: "bundled", "generated" or "shards".
    @discardableResult
    public static func ensure(dataDir: String) throws -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDir)) ?? []
        if names.contains(where: { !$0.hasPrefix(".") && DocumentSource.isShardName($0) }) {
            if isInstalled(dataDir: dataDir) { return "bundled" }
            return try GeneratedCorpus.ensure(dataDir: dataDir) ? "generated" : "shards"
        }
        guard let source = sourceDir() else {
            print0("NOTE: the bundled books (data/gutenberg) are not next to this build; falling back to the generated corpus")
            _ = try GeneratedCorpus.ensure(dataDir: dataDir)
            return "generated"
        }
        let t0 = now()
        let (n, bytes) = try install(into: dataDir, from: source)
        print0(String(format: "NOTE: no data shards in %@ — installed the bundled Project Gutenberg corpus there (%d shards, %.1f MB of text, %.1fs; the last shard is val). Run `dataset -n 8` for nanochat's shards.",
                      dataDir, n, Double(bytes) / 1e6, now() - t0))
        return "bundled"
    }
}
