import NanoChat

// Placeholder entry point of the skeleton; replaced by the issue that builds base_eval.
runMain {
    throw NanoChatError("base_eval: not built yet")
}
