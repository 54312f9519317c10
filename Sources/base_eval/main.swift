import NanoChat

// base_eval: evaluate a base checkpoint (nanochat's scripts/base_eval.py) — samples, bits per byte on
// train/val, the CORE benchmark; or, with --text=FILE, the bits per byte of one text file: flags →
// BaseEvalCommand (Sources/NanoChat/Eval/BaseEvalCommand.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
BaseEvalOptions.runTool { options, dist in try BaseEvalCommand.run(options, dist: dist) }
