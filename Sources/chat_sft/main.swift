import NanoChat

// Placeholder entry point of the skeleton; replaced by the issue that builds chat_sft.
runMain {
    throw NanoChatError("chat_sft: not built yet")
}
