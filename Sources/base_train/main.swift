import NanoChat

// Placeholder entry point of the skeleton; replaced by the issue that builds base_train.
runMain {
    throw NanoChatError("base_train: not built yet")
}
