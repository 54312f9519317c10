import NanoChat

// Reinforcement learning on GSM8K from a chat_sft checkpoint (nanochat's scripts/chat_rl.py): flags → RLTrainer.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    let dist = Distributed.setup()
    let flags = Flags(program: "chat_rl", summary: "RL on GSM8K from an SFT checkpoint (nanochat's simplified GRPO; MPI splits the rollouts under mpirun).")
    RLOptions.declare(flags)
    try flags.parse()
    try RLTrainer(options: RLOptions.from(flags), dist: dist).train()
}
