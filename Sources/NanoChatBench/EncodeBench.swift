import Foundation
import NanoChat

/// `bench encode --tokenizer DIR --input FILE[,FILE...]`: encoding throughput on every document of the
/// files, one thread (encodeOrdinary per document) then the batch encoder on all threads; best of 3 each.
enum EncodeBench {
    static func run(_ args: [String]) throws {
        let options = try EncodeBenchOptions.parseApplyingThreads(args, ranksOnHost: 1)
        guard !options.input.isEmpty else { throw NanoChatError("bench encode: --input is required") }
        let tok = try Tokenizer.load(path: options.tokenizer)
        var docs: [String] = []
        for f in options.input.split(separator: ",").map(String.init) { docs += try DocumentSource.readAll(f) }
        let bytes = Double(docs.reduce(0) { $0 + $1.utf8.count })
        var tokens = 0, batchTokens = 0
        var best1 = Double.infinity, bestN = Double.infinity
        for _ in 0..<3 {
            var t = now()
            tokens = 0
            for d in docs { tokens += tok.encodeOrdinary(d).count }
            best1 = min(best1, now() - t)
            t = now()
            let ids = tok.encodeOrdinaryBatch(docs, threads: Threads.count)
            bestN = min(bestN, now() - t)
            batchTokens = ids.reduce(0) { $0 + $1.count }
        }
        guard batchTokens == tokens else { throw NanoChatError("bench encode: batch encoder gave \(batchTokens) tokens, per-document \(tokens)") }
        print0("encode: \(commas(docs.count)) docs, \(commas(Int(bytes))) bytes, \(commas(tokens)) tokens")
        print0(String(format: "encode_1thread_MBps %.2f", bytes / 1e6 / best1))
        print0(String(format: "encode_batch_MBps %.2f (threads %d)", bytes / 1e6 / bestN, Threads.count))
    }
}
