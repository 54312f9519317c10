import NanoChat

// tok_train: train nanochat's BPE tokenizer (scripts/tok_train.py); `--eval` without `--input` is tok_eval
// (scripts/tok_eval.py) on the tokenizer in --output-dir: flags → TokTrainCommand (Sources/NanoChat/Train/TokTrainCommand.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
let args = Array(CommandLine.arguments.dropFirst())
if let evalArgs = TokTrainCommand.tokEvalArguments(args) {
    TokEvalOptions.runTool(evalArgs) { options, _ in try TokEvalCommand.run(options) }
}
TokTrainOptions.runTool(args) { options, _ in try TokTrainCommand.run(options) }
