import NanoChat

// chat_eval: nanochat's scripts/chat_eval.py — ARC-Easy, ARC-Challenge, MMLU (categorical), GSM8K and
// HumanEval (generative) on a chat (or base) checkpoint, ChatCORE when all five ran: flags →
// ChatEvalCommand (Sources/NanoChat/ChatEval/ChatEvalCommand.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
ChatEvalCommandOptions.runTool { options, dist in try ChatEvalCommand.run(options, dist: dist) }
