import Foundation

/// nanochat's base_train loop (§7.3) over our model, optimizer and loader: eval / sample / save, then
/// grad-accumulated forward+backward, one all-reduce of the flat gradient buffer, one optimizer step,
/// one log line. A resumed run reproduces the uninterrupted run bit for bit.
public final class BaseTrainer {
    public let opt: TrainOptions
    public let dist: Distributed
    public let tokenizer: Tokenizer
    public let model: GPT
    public let optimizer: MuonAdamW
    public let config: GPTConfig
    public let hp: HyperParams
    public let schedule: Schedule
    public let checkpointDir: String
    public let gradAccumSteps: Int
    public let flopsPerToken: Double
    let source: DocumentSource
    let trainLoader: DataLoader
    var peakGFLOPS = 0.0

    // loop state (saved in meta.loop_state for exact resume)
    public private(set) var step = 0
    public private(set) var valBpb: Double? = nil
    public private(set) var minValBpb = Double.infinity
    public private(set) var smoothTrainLoss = 0.0
    public private(set) var totalTrainingTime = 0.0
    /// The last `train_loss` of each step run in this process (tests compare resumed runs with these).
    public private(set) var losses: [Float] = []

    public init(options o: TrainOptions, dist: Distributed) throws {
        self.opt = o
        self.dist = dist
        let threads = o.threads > 0 ? o.threads : max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, dist.localSize))
        Threads.configure(threads)

        // Tokenizer
        let tokFile = Paths.join(o.tokenizerDir, "tokenizer.tiktoken")
        guard Paths.exists(tokFile) else {
            throw NanoChatError(file: tokFile, "no tokenizer; train one first: swift run -c release tok_train")
        }
        tokenizer = try Tokenizer.load(directory: o.tokenizerDir)

        // Data: real shards if present, else the built-in generated corpus (announced by the generator)
        // (only for a directory: the default one may be created; a path the user typed must exist)
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: o.dataDir, isDirectory: &isDir)
        if !exists && o.dataDir != Paths.baseDataDir { throw NanoChatError(file: o.dataDir, "no such data directory or file") }
        if dist.rank == 0 && (!exists || isDir.boolValue) { _ = try GeneratedCorpus.ensure(dataDir: o.dataDir) }
        dist.barrier()
        source = try DocumentSource(path: o.dataDir)

        // Model
        config = GPTConfig.fromDepth(o.depth, aspectRatio: o.aspectRatio, headDim: o.headDim, maxSeqLen: o.maxSeqLen,
                                     vocabSize: tokenizer.vocabSize, windowPattern: o.windowPattern)
        model = try GPT(config: config)
        model.initWeights(seed: UInt64(o.seed))
        checkpointDir = Paths.join(o.checkpointsDir, o.modelTag ?? "d\(o.depth)")

        var resumeMeta: JSONValue? = nil
        var resumeStep = -1
        if o.resumeFromStep >= 0 {
            resumeStep = o.resumeFromStep == Int.max ? try CheckpointManager.lastStep(checkpointDir) : o.resumeFromStep
            let meta = try CheckpointManager.loadMeta(checkpointDir, resumeStep)
            let saved = try CheckpointManager.modelConfig(from: meta, file: CheckpointManager.metaPath(checkpointDir, resumeStep))
            guard saved == config else {
                throw NanoChatError(file: CheckpointManager.metaPath(checkpointDir, resumeStep),
                                    "checkpoint model_config \(saved) differs from this run's \(config)")
            }
            try model.load(from: SafetensorsFile(path: CheckpointManager.modelPath(checkpointDir, resumeStep)))
            resumeMeta = meta
            print0("Resuming from step \(resumeStep) of \(checkpointDir)")
        } else if let src = o.initFrom {
            let file = try Self.modelFile(src)
            try model.load(from: SafetensorsFile(path: file))
            print0("Initialized weights from \(file) (fresh optimizer)")
        }

        // Sizes, horizon, batch and hyper-parameter transfer (§2.5)
        flopsPerToken = model.estimateFlops()
        let counts = model.numScalingParams()
        print0("Model config: \(config)")
        for k in ["wte", "value_embeds", "lm_head", "transformer_matrices", "scalars", "total"] {
            print0(String(format: "%-20@ %@", k as NSString, commas(counts[k] ?? 0)))
        }
        print0(String(format: "Estimated FLOPs per token: %e", flopsPerToken))
        hp = try HyperParams.resolve(config: config, aspectRatio: o.aspectRatio, headDim: o.headDim,
                                     totalBatchSize: o.totalBatchSize, targetParamDataRatio: o.targetParamDataRatio,
                                     numIterations: o.numIterations, targetFlops: o.targetFlops,
                                     unembeddingLr: o.unembeddingLr, embeddingLr: o.embeddingLr, matrixLr: o.matrixLr,
                                     scalarLr: o.scalarLr, weightDecay: o.weightDecay)
        print0(hp.horizon)
        let tokensPerFwdBwd = o.deviceBatchSize * o.maxSeqLen
        let worldTokens = tokensPerFwdBwd * dist.worldSize
        guard hp.totalBatchSize % worldTokens == 0 else {
            throw NanoChatError("base_train: total batch size \(hp.totalBatchSize) is not divisible by device_batch_size × max_seq_len × world_size = \(o.deviceBatchSize) × \(o.maxSeqLen) × \(dist.worldSize) = \(worldTokens); adjust --total-batch-size or --device-batch-size")
        }
        gradAccumSteps = hp.totalBatchSize / worldTokens
        print0("Tokens / micro-batch / rank: \(commas(tokensPerFwdBwd)), world: \(dist.worldSize), grad accumulation steps: \(gradAccumSteps), total batch: \(commas(hp.totalBatchSize))")
        print0(String(format: "Iterations: %d | batch lr scale: %.7f | weight decay: %.7f | tokens:params %.2f",
                      hp.numIterations, hp.batchLrScale, hp.weightDecayScaled,
                      Double(hp.totalBatchSize * hp.numIterations) / Double((counts["transformer_matrices"] ?? 0) + (counts["lm_head"] ?? 1))))
        schedule = Schedule(numIterations: hp.numIterations, warmupSteps: o.warmupSteps,
                            warmdownRatio: o.warmdownRatio, finalLrFrac: o.finalLrFrac)

        optimizer = MuonAdamW(layout: model.layout, config: config, unembeddingLr: hp.unembeddingLr,
                              embeddingLr: hp.embeddingLr, matrixLr: hp.matrixLr, weightDecay: hp.weightDecayScaled,
                              scalarLr: hp.scalarLr, rank: dist.rank, worldSize: dist.worldSize)

        // Loader (exact state when resuming on the same number of ranks)
        var loaderState: LoaderState? = nil
        if let meta = resumeMeta {
            var p = CheckpointManager.optimPath(checkpointDir, resumeStep, rank: dist.rank)
            if !Paths.exists(p) { p = CheckpointManager.optimPath(checkpointDir, resumeStep, rank: 0) }
            try optimizer.load(from: p)
            step = meta["step"]?.int ?? resumeStep
            valBpb = meta["val_bpb"]?.double
            if let ls = meta["loop_state"] {
                minValBpb = ls["min_val_bpb"]?.double ?? .infinity
                smoothTrainLoss = ls["smooth_train_loss"]?.double ?? 0
                totalTrainingTime = ls["total_training_time"]?.double ?? 0
            }
            let savedWorld = meta["world_size"]?.int ?? 1
            let stateJSON = try (savedWorld == dist.worldSize ? CheckpointManager.loadLoaderState(checkpointDir, resumeStep, rank: dist.rank) : nil)
                ?? meta["dataloader_state_dict"]
            if savedWorld != dist.worldSize {
                print0("warning: checkpoint was written by \(savedWorld) ranks, resuming on \(dist.worldSize): data order resumes approximately (weights and optimizer exactly)")
            }
            if let s = stateJSON {
                loaderState = try JSONDecoder().decode(LoaderState.self, from: Data(s.serialized().utf8))
            }
        }
        trainLoader = try DataLoader(tokenizer: tokenizer, source: source, B: o.deviceBatchSize, T: o.maxSeqLen, split: "train",
                                     rank: dist.rank, worldSize: dist.worldSize, resume: loaderState)
        self.resumeStep = resumeStep
    }
    let resumeStep: Int

    /// A model file from a path: a `model_*.safetensors` file, or a checkpoint directory (its last step).
    static func modelFile(_ path: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw NanoChatError(file: path, "no such checkpoint") }
        if !isDir.boolValue { return path }
        return CheckpointManager.modelPath(path, try CheckpointManager.lastStep(path))
    }

    /// Runs steps until `numIterations` (inclusive final eval/save), or until `stopAfter` steps have run in
    /// this call (used by tests to simulate an interruption).
    public func train(stopAfter: Int? = nil) throws {
        let N = hp.numIterations
        if dist.rank == 0 {
            peakGFLOPS = BLAS.measurePeakGFLOPS()
            print0(String(format: "Measured fp32 sgemm peak: %.1f GFLOP/s (%d threads) — MFU denominator", peakGFLOPS, Threads.count))
        }
        let B = opt.deviceBatchSize, T = opt.maxSeqLen
        var stepsRun = 0
        let lossScale = 1 / Float(gradAccumSteps * dist.worldSize)
        let gradBuf = model.grads.buffer
        while true {
            let lastStep = step == N
            if opt.evalEvery > 0 && (lastStep || step % opt.evalEvery == 0) {
                let bpb = try evaluateValBpb()
                valBpb = bpb
                minValBpb = min(minValBpb, bpb)
                print0(String(format: "Step %05d | Validation bpb: %.6f", step, bpb))
            }
            if opt.coreMetricEvery > 0 && (lastStep || (step > 0 && step % opt.coreMetricEvery == 0)) {
                try evaluateCore()
            }
            if opt.sampleEvery > 0 && dist.rank == 0 && (lastStep || (step > 0 && step % opt.sampleEvery == 0)) {
                try sample()
            }
            if lastStep || (step > 0 && step != resumeStep && opt.saveEvery > 0 && step % opt.saveEvery == 0) {
                try save()
            }
            if lastStep { break }
            if let s = stopAfter, stepsRun >= s { return }

            // ---- one optimization step ----
            let t0 = now()
            model.zeroGrad()
            var trainLoss: Float = 0
            var state = trainLoader.state
            for _ in 0..<gradAccumSteps {
                let batch = try trainLoader.next()
                state = batch.state
                trainLoss = batch.inputs.withUnsafeBufferPointer { x in
                    batch.targets.withUnsafeBufferPointer { y in model.forward(inputs: x, targets: y, B: B, T: T) }
                }
                guard trainLoss.isFinite else {
                    throw NanoChatError("base_train: loss became \(trainLoss) at step \(step); stopping without saving (last good checkpoint untouched in \(checkpointDir))")
                }
                model.backward(lossScale: lossScale)
            }
            dist.allReduceSum(gradBuf)
            let lrm = schedule.lrMultiplier(step)
            optimizer.setSchedule(lrMultiplier: lrm, muonMomentum: schedule.muonMomentum(step),
                                  muonWeightDecay: schedule.muonWeightDecay(step, base: hp.weightDecayScaled))
            optimizer.step(params: model.params, grads: model.grads)
            let dt = now() - t0

            // ---- logging (nanochat's line, fp32 MFU against the measured sgemm peak) ----
            losses.append(trainLoss)
            smoothTrainLoss = 0.9 * smoothTrainLoss + 0.1 * Double(trainLoss)
            let debiased = smoothTrainLoss / (1 - pow(0.9, Double(step + 1)))
            let tokPerSec = Int(Double(hp.totalBatchSize) / dt)
            let mfu = peakGFLOPS > 0 ? 100 * flopsPerToken * Double(hp.totalBatchSize) / dt / (peakGFLOPS * 1e9 * Double(dist.worldSize)) : 0
            if step > 10 { totalTrainingTime += dt }
            let done = step + 1
            // ETA from the mean of steps after warm-up (nanochat skips the first 10), else from this step
            let perStep = step > 10 ? totalTrainingTime / Double(step - 10) : dt
            let eta = Double(N - done) * perStep
            print0(String(format: "step %05d/%05d (%.2f%%) | loss: %.6f | lrm: %.2f | dt: %.2fms | tok/sec: %@ | mfu: %.2f | epoch: %d pq: %d rg: %d | total time: %.2fm | eta: %.1fm",
                          step, N, 100 * Double(step) / Double(max(N, 1)), debiased, lrm, dt * 1000, commas(tokPerSec), mfu,
                          state.epoch, state.pqIdx, state.rgIdx, totalTrainingTime / 60, eta / 60))
            if step == 0 { print0("Peak memory (RSS) after first step: \(Memory.format(Memory.peakRSS))") }
            step += 1
            stepsRun += 1
        }
        print0("Peak memory (RSS): \(Memory.format(Memory.peakRSS))")
        print0(String(format: "Total training time: %.2fm", totalTrainingTime / 60))
        print0(minValBpb.isFinite ? String(format: "Minimum validation bpb: %.6f", minValBpb) : "Minimum validation bpb: n/a (no eval)")
    }

    /// §5.1 on a fresh val loader: eval_tokens // (B·T·W) batches.
    func evaluateValBpb() throws -> Double {
        let B = opt.deviceBatchSize, T = opt.maxSeqLen
        let steps = max(1, opt.evalTokens / (B * T * dist.worldSize))
        let val = try DataLoader(tokenizer: tokenizer, source: source, B: B, T: T, split: "val",
                                 rank: dist.rank, worldSize: dist.worldSize, resume: nil)
        return try LossEval.bitsPerByte(model: model, tokenBytes: tokenizer.tokenBytes, steps: steps, B: B, T: T, dist: dist) {
            let b = try val.next(); return (b.inputs, b.targets)
        }
    }

    func evaluateCore() throws {
        let bundle = try CoreBundle(dir: opt.bundleDir)
        let result = try CoreEval.evaluate(bundle: bundle, model: model, tokenizer: tokenizer,
                                           maxPerTask: opt.coreMetricMaxPerTask, dist: dist)
        print0(String(format: "Step %05d | CORE metric: %.4f", step, result.core))
    }

    func sample() throws {
        // greedy, 16 tokens, prompt = [BOS] + text (§7.3); the engine keeps its own cache and RNG, so the
        // training state is untouched
        let engine = Sampling.engine(model: model, tokenizer: tokenizer)
        for p in Sampling.prompts {
            let toks = [tokenizer.bosId] + tokenizer.encodeOrdinary(p)
            let out = try engine.generateBatch(tokens: toks, maxTokens: 16, temperature: 0).results[0]
            print0(tokenizer.decode(Array(out.dropFirst())))
        }
    }

    func meta() throws -> JSONValue {
        let mc = try JSONValue.encoding(config)
        // nanochat's three keys; the exact state (with the packing buffer) is in loader_{step}_rank{r}.json
        let st = trainLoader.state
        let ls: JSONValue = .object([("pq_idx", .int(st.pqIdx)), ("rg_idx", .int(st.rgIdx)), ("epoch", .int(st.epoch))])
        return .object([
            ("step", .int(step)),
            ("val_bpb", valBpb.map { .double($0) } ?? .null),
            ("model_config", mc),
            ("user_config", opt.userConfigJSON),
            ("device_batch_size", .int(opt.deviceBatchSize)),
            ("max_seq_len", .int(opt.maxSeqLen)),
            ("total_batch_size", .int(hp.totalBatchSize)),
            ("dataloader_state_dict", ls),
            ("loop_state", .object([("min_val_bpb", .double(minValBpb)), ("smooth_train_loss", .double(smoothTrainLoss)),
                                    ("total_training_time", .double(totalTrainingTime))])),
            ("world_size", .int(dist.worldSize)),
        ])
    }

    func save() throws {
        let ls = try JSONValue.encoding(trainLoader.state)
        try CheckpointManager.save(dir: checkpointDir, step: step, model: model, optimizer: optimizer,
                                   loaderState: ls, meta: meta(), dist: dist)
        if dist.rank == 0 {
            if opt.keepLast > 0 { CheckpointManager.prune(checkpointDir, keepLast: opt.keepLast) }
            print0("Saved checkpoint for step \(step) to \(checkpointDir)")
        }
    }
}
