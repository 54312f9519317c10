import NanoChat

// chat_cli: talk to a chat (or base) model in the terminal (nanochat's scripts/chat_cli.py): flags →
// ChatCLI (Sources/NanoChat/Engine/ChatCLI.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
ChatCLIOptions.runTool { options, _ in try ChatCLI(options: options).run() }
