import Foundation
import XCTest
@testable import NanoChat

/// Not part of the normal test run: `dev/infer_bench.sh` (NANOCHAT_BENCH=1 swift test -c release --filter
/// EngineBenchmarkTests). Inference throughput of d4/d6/d12 shapes, decode vs context, memory bandwidth.
final class EngineBenchmarkTests: XCTestCase {
    func testInferenceBenchmark() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["NANOCHAT_BENCH"] != nil else { throw XCTSkip("set NANOCHAT_BENCH=1 to run the inference benchmark") }
        if let t = env["NANOCHAT_BENCH_THREADS"], let n = Int(t) { Threads.configure(n) }
        let depths = (env["NANOCHAT_BENCH_DEPTHS"] ?? "4,6,12").split(separator: ",").map { Int($0)! }
        let steps = Int(env["NANOCHAT_BENCH_STEPS"] ?? "16")!
        let bw = InferenceBenchmark.memoryBandwidth()
        print(String(format: "threads %d, measured read bandwidth %.1f GB/s", Threads.count, bw))
        print("model  batch  prompt  prefill tok/s  decode tok/s  decode ms/step  weights MB  GB/s (batch 1: % of measured)")
        for d in depths {
            let seq = d >= 12 ? 2048 : 512
            let m = try InferenceBenchmark.model(GPTConfig.fromDepth(d, maxSeqLen: seq))
            for rows in [1, 8] {
                let r = try InferenceBenchmark.throughput(model: m, rows: rows, prompt: 128, steps: steps)
                print(String(format: "d%-4d  %5d  %6d  %13.0f  %12.1f  %14.2f  %10.0f  %5.1f%@", d, rows, 128, r.prefillTokPerSec,
                             r.decodeTokPerSec, r.decodeMsPerStep, r.weightBytes / 1e6, r.decodeGBPerSec,
                             rows == 1 ? String(format: " (%.0f%%)", 100 * r.decodeGBPerSec / bw) : ""))
            }
        }
        let m = try InferenceBenchmark.model(GPTConfig.fromDepth(4, maxSeqLen: 2048))
        print("d4, batch 1: ms per next token vs context (KV cache | recompute the prefix)")
        for r in try InferenceBenchmark.decodeVsContext(model: m, contexts: [64, 256, 1024, 2048]) {
            print(String(format: "  context %5d: cache %7.2f ms | recompute %8.1f ms", r.context, r.cachedMs, r.recomputeMs))
        }
    }
}
