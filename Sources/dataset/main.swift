import Foundation
import NanoChat

// nanochat's `python -m nanochat.dataset -n N`: download the first N train shards plus the pinned val
// shard. With no shards present and no network, install the bundled Project Gutenberg books instead
// (data/gutenberg); `--generate` writes the synthetic test corpus. `--sft` downloads the SFT tasks' parquet
// files (nanochat's tasks/common.py load_hub_dataset) and `--eval-bundle` nanochat's eval_bundle.zip.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    let flags = Flags(program: "dataset", summary: "Download nanochat's pretraining shards (offline: install the bundled Project Gutenberg books).")
    flags.define("num-files", int: -1, "number of train shards to download (-1 = all); the val shard \(ShardDownloader.maxShard) is always added",
                 min: 0, max: ShardDownloader.maxShard, also: ["-1"], short: "n")
    flags.define("num-workers", int: 4, "parallel downloads", min: 1, max: 64, short: "w")
    flags.define("data-dir", Paths.baseDataDir, "where shards go ($NANOCHAT_BASE_DIR/base_data_climbmix if it exists, else base_data)")
    flags.define("base-url", ShardDownloader.defaultBaseURL, "URL prefix of shard_XXXXX.parquet")
    flags.define("sft", bool: false, "download nanochat's SFT data instead (smol-smoltalk, MMLU all auxiliary_train/test, GSM8K main) into --sft-data-dir")
    flags.define("sft-data-dir", Paths.join(Paths.baseDir, "sft_data"), "--sft: where the task parquet files go (chat_sft's default mixture reads them)")
    flags.define("hf-url", SFTDownload.hubURL, "--sft: hub URL serving /api/datasets/REPO/parquet/SUBSET/SPLIT (default $NANOCHAT_HF_URL or huggingface.co)")
    flags.define("eval-bundle", bool: false, "download and unpack nanochat's eval_bundle.zip into $NANOCHAT_BASE_DIR/eval_bundle instead (base_eval does this when it is missing)")
    flags.define("eval-bundle-url", EvalBundleDownload.url, "--eval-bundle: URL of eval_bundle.zip (default $NANOCHAT_EVAL_BUNDLE_URL or nanochat's)")
    flags.define("generate", bool: false, "write the synthetic corpus of templated sentences (for tests) instead of downloading")
    flags.define("retry-base", double: 2, "seconds before the first retry (doubles each attempt)", min: 0, max: 3600)
    try flags.parse()

    var http = HTTPDownload()
    http.retryBase = try flags.double("retry-base")
    if try flags.bool("sft") {
        let dir = flags.string("sft-data-dir"), hub = flags.string("hf-url")
        if let why = HTTPDownload.probe(URL(string: hub) ?? URL(fileURLWithPath: "/")) {
            throw NanoChatError("dataset --sft: cannot reach \(hub) (\(why)); offline, chat_sft trains on the bundled SFT data")
        }
        print0("downloading nanochat's SFT data (\(SFTDownload.sources.map { "\($0.task)/\($0.split)" }.joined(separator: ", "))) from \(hub) to \(dir)")
        let s = try SFTDownload.download(into: dir, hubURL: hub, http: http)
        print0(String(format: "done: %d splits downloaded (%d files, %.1f MB), %d already present", s.splits, s.files, Double(s.bytes) / 1e6, s.skipped))
        return
    }
    if try flags.bool("eval-bundle") {
        let dir = Paths.evalBundleDir
        if Paths.exists(Paths.join(dir, "core.yaml")) { print0("\(dir) already holds core.yaml; nothing to do"); return }
        if let why = EvalBundleDownload.fetch(into: dir, url: flags.string("eval-bundle-url"), http: http) {
            throw NanoChatError("dataset --eval-bundle: \(why)")
        }
        return
    }
    let dir = flags.string("data-dir")
    try Paths.ensureDir(dir)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    let hasShards = names.contains { !$0.hasPrefix(".") && DocumentSource.isShardName($0) }
    let generated = GeneratedCorpus.isGenerated(dataDir: dir)
    let bundled = BundledCorpus.isInstalled(dataDir: dir)

    if try flags.bool("generate") {
        guard !hasShards || generated else { throw NanoChatError(file: dir, "already has data shards; not generating over them") }
        try GeneratedCorpus.ensure(dataDir: dir)
        return
    }

    let dl = ShardDownloader(baseURL: flags.string("base-url"), dataDir: dir)
    dl.workers = try flags.int("num-workers")
    dl.http = http
    if !hasShards || generated || bundled {
        if let why = dl.probe() {
            print0("cannot reach \(flags.string("base-url")) (\(why))")
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
    let ids = ShardDownloader.shardIndices(numFiles: try flags.int("num-files"))
    print0("downloading \(ids.count) shards (\(ids.count - 1) train + val shard \(ShardDownloader.maxShard)) to \(dir) with \(dl.workers) workers")
    let s = try dl.download(ids)
    print0(String(format: "done: %d downloaded, %d already present, %.1f MB in %.1f s", s.downloaded, s.skipped, Double(s.bytes) / 1e6, s.seconds))
}
