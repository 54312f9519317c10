import NanoChat

// Compare our tokenizer with GPT-2's and GPT-4's on nanochat's texts (scripts/tok_eval.py).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    try TokEvalCommand.run(Array(CommandLine.arguments.dropFirst()))
}
