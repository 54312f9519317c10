import Foundation
import NanoChat
import NanoChatBench

BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process

// infer_bench: nanochat's scripts/infer_bench.py on a CPU (card, prefill, decode sweep, JSON last line).
let flags = Flags(program: "infer_bench", summary: "Inference benchmark: TTFT, prefill and decode tok/s, MBU over decode batch sizes.")
OptionTable.declare(InferBenchOptions.fields, defaults: InferBenchOptions(), in: flags)
flags.define("device-type", "", "accepted for nanochat compatibility; always CPU")

runMain {
    try flags.parse()
    try InferBench.run(try OptionTable.read(InferBenchOptions.fields, from: flags, into: InferBenchOptions()))
}
