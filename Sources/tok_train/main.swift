import NanoChat

// Train nanochat's BPE tokenizer (scripts/tok_train.py); `--eval` reports its compression (scripts/tok_eval.py).
runMain {
    try TokTrainCommand.run(Array(CommandLine.arguments.dropFirst()))
}
