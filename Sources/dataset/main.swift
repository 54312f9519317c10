import NanoChat

// dataset: nanochat's `python -m nanochat.dataset -n N` (shards; offline the bundled books), plus --sft,
// --eval-bundle and --generate: flags → DatasetCommand (Sources/NanoChat/Data/DatasetCommand.swift).
runMain {
    _ = Distributed.setup()
    let options = try DatasetOptions.parse()
    try DatasetCommand.run(options)
}
