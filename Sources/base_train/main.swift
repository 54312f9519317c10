import NanoChat

// Pretrain a base GPT (nanochat's scripts/base_train.py): flags → BaseTrainer (Sources/NanoChat/Train) →
// log lines and checkpoints.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
TrainOptions.runTool { options, dist in try BaseTrainer(options: options, dist: dist).train() }
