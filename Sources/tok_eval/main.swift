import NanoChat

// tok_eval: compare our tokenizer with GPT-2's and GPT-4's on nanochat's texts (scripts/tok_eval.py):
// flags → TokEvalCommand (Sources/NanoChat/Data/TokEvalCommand.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
TokEvalOptions.runTool { options, _ in try TokEvalCommand.run(options) }
