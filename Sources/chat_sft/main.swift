import NanoChat

// Supervised fine-tuning of a base checkpoint into a chat model: flags → SFTTrainer (Sources/NanoChat/Chat).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    let dist = Distributed.setup()
    let flags = Flags(program: "chat_sft", summary: "Fine-tune a base checkpoint on a mixture of conversations (MPI data parallel under mpirun).")
    SFTOptions.declare(flags)
    try flags.parse()
    try SFTTrainer(options: SFTOptions.from(flags), dist: dist).train()
}
