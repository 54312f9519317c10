import NanoChat
import NanoChatBench

// infer_bench: nanochat's scripts/infer_bench.py on a CPU (card, prefill, decode sweep, JSON last line):
// flags → InferBench (Sources/NanoChatBench/InferBench.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
InferBenchOptions.runTool { options, _ in try InferBench.run(options) }
