import NanoChat

// Supervised fine-tuning (nanochat's scripts/chat_sft.py) is the next capability after pretraining and is not
// built yet: this entry point says so plainly instead of pretending to train.
runMain {
    throw NanoChatError("chat_sft: supervised fine-tuning is not implemented yet in NanoChat (pretraining: base_train; evaluation: base_eval)")
}
