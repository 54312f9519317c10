import NanoChat

// dataset: nanochat's `python -m nanochat.dataset -n N` (shards; offline the bundled books), plus --sft,
// --eval-bundle and --generate: flags → DatasetCommand (Sources/NanoChat/Data/DatasetCommand.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
DatasetOptions.runTool { options, _ in try DatasetCommand.run(options) }
