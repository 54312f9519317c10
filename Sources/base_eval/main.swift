import NanoChat

// base_eval: evaluate a base checkpoint (nanochat's scripts/base_eval.py) — samples, bits per byte on
// train/val, the CORE benchmark; or, with --text=FILE, the bits per byte of one text file: flags →
// BaseEvalCommand (Sources/NanoChat/Eval/BaseEvalCommand.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    let dist = Distributed.setup()
    let options = try BaseEvalOptions.parse()
    Threads.configure(flag: options.threads, ranksOnHost: dist.localSize)
    try BaseEvalCommand.run(options, dist: dist)
}
