import Foundation
import NanoChat

/// `bench data`: read speed of every shard of a directory (all row groups, text column), then DataLoader
/// throughput at B=32, T=2048 (dev/data/bench.sh builds the shards).
enum DataBench {
    static func run(_ args: [String]) throws {
        let options = try DataBenchOptions.parse(args)
        let dir = options.dataDir, batches = options.batches
        let src = try DocumentSource(path: dir)
        var t0 = now(), bytes = 0, docs = 0
        for f in src.files where f.hasSuffix(".parquet") {
            let pf = try ParquetFile(path: f)
            for i in 0..<pf.numRowGroups { for t in try pf.readTexts(rowGroup: i).texts { bytes += t.utf8.count; docs += 1 } }
        }
        let dt = now() - t0
        let disk = src.files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        print0(String(format: "parquet read: %d files, %@ docs, %.1f MB text (%.1f MB on disk) in %.2f s = %.1f MB/s of text",
                      src.files.count, commas(docs), Double(bytes) / 1e6, Double(disk) / 1e6, dt, Double(bytes) / 1e6 / dt))
        let tok = try Tokenizer.load(path: options.tokenizer)
        let (B, T) = (32, 2048)
        t0 = now()
        let loader = try DataLoader(tokenizer: tok, source: src, B: B, T: T, split: "train")
        _ = try loader.next()
        let first = now() - t0
        t0 = now()
        for _ in 1..<batches { _ = try loader.next() }
        let steady = now() - t0
        let n = batches - 1
        print0(String(format: "loader (B=%d, T=%d, %d threads, vocab %d): first batch %.2f s (buffer fill), then %.1f ms/batch = %@ tokens/s; %.1f%% of tokens cropped",
                      B, T, Threads.count, tok.vocabSize, first, steady / Double(n) * 1000, commas(Int(Double(n * B * T) / steady)),
                      100 * Double(loader.croppedTokens) / Double(loader.croppedTokens + loader.batches * B * (T + 1))))
    }
}
