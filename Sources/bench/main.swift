import NanoChat
import NanoChatBench

// bench: training-side benchmarks (Sources/NanoChatBench), driven by dev/bench.sh.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    try BenchCommand.run(Array(CommandLine.arguments.dropFirst()))
}
