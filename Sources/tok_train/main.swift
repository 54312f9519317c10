import NanoChat

// Train nanochat's BPE tokenizer (scripts/tok_train.py). `--eval` is an alias of tok_eval (scripts/tok_eval.py)
// on the tokenizer in --output-dir; with --input or --bench-encode it keeps tok_train's own table over those files.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    let args = Array(CommandLine.arguments.dropFirst())
    let eval = args.contains { $0 == "--eval" || $0 == "--eval=true" || $0 == "--eval=1" }
    let ownInputs = args.contains { $0.hasPrefix("--input") || $0.hasPrefix("--bench-encode") }
    if eval && !ownInputs {
        try TokEvalCommand.run(TokEvalCommand.aliasArguments(fromTokTrain: args))
    } else {
        try TokTrainCommand.run(args)
    }
}
