import Foundation

/// dataset's flags (nanochat's `python -m nanochat.dataset` names: -n, -w; plus the SFT data, the eval
/// bundle, the synthetic corpus and the retry base).
public struct DatasetOptions: ToolOptions {
    public var numFiles = -1
    public var numWorkers = 4
    public var dataDir = Paths.baseDataDir
    public var baseURL = ShardDownloader.defaultBaseURL
    public var sft = false
    public var sftDataDir = Paths.join(Paths.baseDir, "sft_data")
    public var hfURL = SFTDownload.hubURL
    public var evalBundle = false
    public var evalBundleURL = EvalBundleDownload.url
    public var generate = false
    public var retryBase = 2.0

    public init() {}
    public static let program = "dataset"
    public static let summary = "Download nanochat's pretraining shards (offline: install the bundled Project Gutenberg books)."
    public static let fields: [OptionField<DatasetOptions>] = [
        .int("num-files", \.numFiles, "number of train shards to download (-1 = all); the val shard \(ShardDownloader.maxShard) is always added",
             min: 0, max: ShardDownloader.maxShard, also: [-1], short: "n"),
        .int("num-workers", \.numWorkers, "parallel downloads", min: 1, max: 64, short: "w"),
        .string("data-dir", \.dataDir, "where shards go ($NANOCHAT_BASE_DIR/base_data_climbmix if it exists, else base_data)"),
        .string("base-url", \.baseURL, "URL prefix of shard_XXXXX.parquet"),
        .bool("sft", \.sft, "download nanochat's SFT data instead (smol-smoltalk, MMLU all auxiliary_train/test, GSM8K main) into --sft-data-dir"),
        .string("sft-data-dir", \.sftDataDir, "--sft: where the task parquet files go (chat_sft's default mixture reads them)"),
        .string("hf-url", \.hfURL, "--sft: hub URL serving /api/datasets/REPO/parquet/SUBSET/SPLIT (default $NANOCHAT_HF_URL or huggingface.co)"),
        .bool("eval-bundle", \.evalBundle, "download and unpack nanochat's eval_bundle.zip into $NANOCHAT_BASE_DIR/eval_bundle instead (base_eval does this when it is missing)"),
        .string("eval-bundle-url", \.evalBundleURL, "--eval-bundle: URL of eval_bundle.zip (default $NANOCHAT_EVAL_BUNDLE_URL or nanochat's)"),
        .bool("generate", \.generate, "write the synthetic corpus of templated sentences (for tests) instead of downloading"),
        .double("retry-base", \.retryBase, "seconds before the first retry (doubles each attempt)", min: 0, max: 3600),
    ]
}

/// dataset (nanochat's `python -m nanochat.dataset -n N`): download the first N train shards plus the pinned
/// val shard. With no shards present and no network, install the bundled Project Gutenberg books instead
/// (data/gutenberg); `--generate` writes the synthetic test corpus. `--sft` downloads the SFT tasks' parquet
/// files (nanochat's tasks/common.py load_hub_dataset) and `--eval-bundle` nanochat's eval_bundle.zip.
public enum DatasetCommand {
    public static func run(_ options: DatasetOptions) throws {
        var http = HTTPDownload()
        http.retryBase = options.retryBase
        if options.sft {
            let dir = options.sftDataDir, hub = options.hfURL
            if let why = HTTPDownload.probe(URL(string: hub) ?? URL(fileURLWithPath: "/")) {
                throw NanoChatError("dataset --sft: cannot reach \(hub) (\(why)); offline, chat_sft trains on the bundled SFT data")
            }
            print0("downloading nanochat's SFT data (\(SFTDownload.sources.map { "\($0.task)/\($0.split)" }.joined(separator: ", "))) from \(hub) to \(dir)")
            let s = try SFTDownload.download(into: dir, hubURL: hub, http: http)
            print0(String(format: "done: %d splits downloaded (%d files, %.1f MB), %d already present", s.splits, s.files, Double(s.bytes) / 1e6, s.skipped))
            return
        }
        if options.evalBundle {
            let dir = Paths.evalBundleDir
            if Paths.exists(Paths.join(dir, "core.yaml")) { print0("\(dir) already holds core.yaml; nothing to do"); return }
            if let why = EvalBundleDownload.fetch(into: dir, url: options.evalBundleURL, http: http) {
                throw NanoChatError("dataset --eval-bundle: \(why)")
            }
            return
        }
        let dir = options.dataDir
        try Paths.ensureDir(dir)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let hasShards = names.contains { !$0.hasPrefix(".") && DocumentSource.isShardName($0) }
        let generated = GeneratedCorpus.isGenerated(dataDir: dir)
        let bundled = BundledCorpus.isInstalled(dataDir: dir)

        if options.generate {
            guard !hasShards || generated else { throw NanoChatError(file: dir, "already has data shards; not generating over them") }
            try GeneratedCorpus.ensure(dataDir: dir)
            return
        }

        let dl = ShardDownloader(baseURL: options.baseURL, dataDir: dir)
        dl.workers = options.numWorkers
        dl.http = http
        if !hasShards || generated || bundled {
            if let why = dl.probe() {
                print0("cannot reach \(options.baseURL) (\(why))")
                try BundledCorpus.ensure(dataDir: dir)
                return
            }
            if generated || bundled {
                // real data replaces an offline corpus
                for n in names where (n.hasPrefix("gen_") || n.hasPrefix("gutenberg_")) && n.hasSuffix(".txt") {
                    try? FileManager.default.removeItem(atPath: Paths.join(dir, n))
                }
                try? FileManager.default.removeItem(atPath: Paths.join(dir, GeneratedCorpus.marker))
                try? FileManager.default.removeItem(atPath: Paths.join(dir, BundledCorpus.marker))
                print0("removed the offline corpus from \(dir); downloading real shards")
            }
        }
        let ids = ShardDownloader.shardIndices(numFiles: options.numFiles)
        print0("downloading \(ids.count) shards (\(ids.count - 1) train + val shard \(ShardDownloader.maxShard)) to \(dir) with \(dl.workers) workers")
        let s = try dl.download(ids)
        print0(String(format: "done: %d downloaded, %d already present, %.1f MB in %.1f s", s.downloaded, s.skipped, Double(s.bytes) / 1e6, s.seconds))
    }
}
