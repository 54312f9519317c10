import NanoChat

// chat_cli: talk to a chat (or base) model in the terminal (nanochat's scripts/chat_cli.py): flags →
// ChatCLI (Sources/NanoChat/Engine/ChatCLI.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    let dist = Distributed.setup()
    let options = try ChatCLIOptions.parse()
    Threads.configure(flag: options.threads, ranksOnHost: dist.localSize)
    try ChatCLI(options: options).run()
}
