import Foundation
import NanoChat

// nanochat's `python -m nanochat.dataset -n N`: download the first N train shards plus the pinned val
// shard. With no shards present and no network, generate the built-in synthetic corpus instead.
runMain {
    let flags = Flags(program: "dataset", summary: "Download nanochat's pretraining shards (or generate the built-in corpus offline).")
    flags.define("num-files", "-1", "number of train shards to download (-n; -1 = all); the val shard \(ShardDownloader.maxShard) is always added")
    flags.define("num-workers", "4", "parallel downloads (-w)")
    flags.define("data-dir", Paths.baseDataDir, "where shards go ($NANOCHAT_BASE_DIR/base_data)")
    flags.define("base-url", ShardDownloader.defaultBaseURL, "URL prefix of shard_XXXXX.parquet")
    flags.define("generate", "0", "write the built-in synthetic corpus instead of downloading")
    flags.define("retry-base", "2", "seconds before the first retry (doubles each attempt)")
    // nanochat's short flags
    let args = CommandLine.arguments.dropFirst().map { $0 == "-n" ? "--num-files" : ($0 == "-w" ? "--num-workers" : $0) }
    try flags.parse(Array(args))

    let dir = flags.string("data-dir")
    try Paths.ensureDir(dir)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    let hasShards = names.contains { !$0.hasPrefix(".") && DocumentSource.isShardName($0) }
    let generated = GeneratedCorpus.isGenerated(dataDir: dir)

    if try flags.bool("generate") {
        guard !hasShards || generated else { throw NanoChatError(file: dir, "already has data shards; not generating over them") }
        try GeneratedCorpus.ensure(dataDir: dir)
        return
    }

    let dl = ShardDownloader(baseURL: flags.string("base-url"), dataDir: dir)
    dl.workers = try flags.int("num-workers")
    dl.retryBase = try flags.double("retry-base")
    if !hasShards || generated {
        if let why = dl.probe() {
            print0("cannot reach \(flags.string("base-url")) (\(why))")
            try GeneratedCorpus.ensure(dataDir: dir)
            return
        }
        if generated {
            // real data replaces the generated corpus
            for n in names where n.hasPrefix("gen_") && n.hasSuffix(".txt") { try? FileManager.default.removeItem(atPath: Paths.join(dir, n)) }
            try? FileManager.default.removeItem(atPath: Paths.join(dir, GeneratedCorpus.marker))
            print0("removed the generated corpus from \(dir); downloading real shards")
        }
    }
    let ids = ShardDownloader.shardIndices(numFiles: try flags.int("num-files"))
    print0("downloading \(ids.count) shards (\(ids.count - 1) train + val shard \(ShardDownloader.maxShard)) to \(dir) with \(dl.workers) workers")
    let s = try dl.download(ids)
    print0(String(format: "done: %d downloaded, %d already present, %.1f MB in %.1f s", s.downloaded, s.skipped, Double(s.bytes) / 1e6, s.seconds))
}
