import NanoChat
import NanoChatBench

// bench: training-side benchmarks (Sources/NanoChatBench), driven by dev/bench.sh.
runMain {
    try BenchCommand.run(Array(CommandLine.arguments.dropFirst()))
}
