import NanoChat

// Placeholder entry point of the skeleton; replaced by the issue that builds tok_train.
runMain {
    throw NanoChatError("tok_train: not built yet")
}
