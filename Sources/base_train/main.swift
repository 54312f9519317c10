import NanoChat

// Pretrain a base GPT: flags → BaseTrainer (Sources/NanoChat/Train) → log lines and checkpoints.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    let dist = Distributed.setup()
    let flags = Flags(program: "base_train", summary: "Pretrain a nanochat GPT on CPU (MPI data parallel under mpirun).")
    TrainOptions.declare(flags)
    try flags.parse()
    let trainer = try BaseTrainer(options: TrainOptions.from(flags), dist: dist)
    try trainer.train()
}
