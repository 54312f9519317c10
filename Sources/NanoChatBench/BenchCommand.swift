import Foundation
import NanoChat

/// `bench SUBCOMMAND [flags]`: the benchmarks of the project, outside the library (dev/bench.sh drives
/// them). Timings are only meaningful on an otherwise idle machine.
public enum BenchCommand {
    static let subcommands: [(name: String, summary: String, run: ([String]) throws -> Void)] = [
        ("train", "base_train's flags: run the steps, then tok/s, MFU and the per-step breakdown", TrainBench.run),
        ("peak", "the MFU denominator and, for comparison, the best of several sgemm probes", PeakBench.run),
        ("model", "forward+backward of a fresh GPT on random tokens (and lm-head chunk sizes)", ModelBench.run),
        ("optim", "optimizer step alone: pooled jobs against group by group, AdamW/Muon split", OptimBench.run),
        ("data", "parquet read speed and DataLoader throughput", DataBench.run),
        ("encode", "tokenizer encoding throughput, 1 thread and all threads", EncodeBench.run),
    ]

    public static func run(_ args: [String]) throws {
        guard let name = args.first, let sub = subcommands.first(where: { $0.name == name }) else {
            var usage = "usage: bench SUBCOMMAND [flags]   (bench SUBCOMMAND --help for its flags)\n"
            for s in subcommands { usage += "  " + s.name.padding(toLength: 8, withPad: " ", startingAt: 0) + s.summary + "\n" }
            if let name = args.first, name != "--help", name != "-h" {
                throw NanoChatError("bench: unknown subcommand \(name) (one of \(subcommands.map(\.name).joined(separator: ", ")))")
            }
            print(usage, terminator: "")
            return
        }
        try sub.run(Array(args.dropFirst()))
    }
}

func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return 0 }
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
