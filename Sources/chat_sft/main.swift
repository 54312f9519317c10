import NanoChat

// Supervised fine-tuning of a base checkpoint into a chat model (nanochat's scripts/chat_sft.py): flags →
// SFTTrainer (Sources/NanoChat/SFT).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
SFTOptions.runTool { options, dist in try SFTTrainer(options: options, dist: dist).train() }
