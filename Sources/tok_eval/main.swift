import NanoChat

// Compare our tokenizer with GPT-2's and GPT-4's on nanochat's texts (scripts/tok_eval.py).
runMain {
    try TokEvalCommand.run(Array(CommandLine.arguments.dropFirst()))
}
