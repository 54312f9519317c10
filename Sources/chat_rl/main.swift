import NanoChat

// Reinforcement learning on GSM8K from a chat_sft checkpoint (nanochat's scripts/chat_rl.py): flags →
// RLTrainer (Sources/NanoChat/RL).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
RLOptions.runTool { options, dist in try RLTrainer(options: options, dist: dist).train() }
