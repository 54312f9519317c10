import NanoChat

// tok_train: train nanochat's BPE tokenizer (scripts/tok_train.py); `--eval` is tok_eval (scripts/tok_eval.py)
// on the tokenizer in --output-dir: flags → TokTrainCommand (Sources/NanoChat/Train/TokTrainCommand.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    _ = Distributed.setup()
    try TokTrainCommand.main(Array(CommandLine.arguments.dropFirst()))
}
