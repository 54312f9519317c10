import NanoChat

// Placeholder entry point of the skeleton; replaced by the issue that builds dataset.
runMain {
    throw NanoChatError("dataset: not built yet")
}
