import Foundation

/// nanochat's base_train (scripts/base_train.py) over our model, optimizer and loader. Setup lives here; the loop
/// itself is the shared `TrainingLoop`/`TrainStep` (also used by chat_sft), for which this class is the batch
/// source's owner and the hooks: val bpb / CORE / samples, and checkpoints with the loader and loop state. A resumed
/// run reproduces the uninterrupted run bit for bit.
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
    public let loop: TrainingLoop

    // the loop's state (saved in meta.loop_state for exact resume)
    public var step: Int { loop.state.step }
    public var valBpb: Double? { loop.state.valBpb }
    public var minValBpb: Double { loop.state.minValBpb }
    public var smoothTrainLoss: Double { loop.state.smoothTrainLoss }
    public var totalTrainingTime: Double { loop.state.totalTrainingTime }
    /// The logged `train_loss` of each step run in this process (tests compare resumed runs with these).
    public var losses: [Float] { loop.losses }

    /// A checkpoint this run resumes from.
    struct ResumePoint { let step: Int; let meta: JSONValue }

    public init(options o: TrainOptions, dist: Distributed) throws {
        self.opt = o
        self.dist = dist
        Threads.configure(flag: o.threads, ranksOnHost: dist.localSize)
        tokenizer = try Tokenizer.load(path: o.tokenizerDir)
        source = try Self.openData(o, dist: dist)

        // before any big allocation: where this run's checkpoints go, writable and not another run's
        checkpointDir = Paths.join(o.checkpointsDir, o.modelTag ?? "d\(o.depth)")
        try RunDirectory.check(checkpointDir, resuming: o.resumeFromStep >= 0, overwrite: o.overwrite, dist: dist)
        if dist.rank == 0 { CheckpointManager.removeStaleTemporaries(checkpointDir) }
        config = try o.modelConfig(vocabSize: tokenizer.vocabSize, ranksOnHost: dist.localSize)
        model = try GPT(config: config)
        model.initWeights(seed: UInt64(o.seed))
        let resume = try Self.loadWeights(into: model, o, checkpointDir: checkpointDir, tokenizer: tokenizer)

        flopsPerToken = model.estimateFlops()
        let counts = model.numScalingParams()
        Self.printModelSummary(config, counts: counts, flopsPerToken: flopsPerToken)
        hp = try HyperParams.resolve(config: config, aspectRatio: o.aspectRatio, headDim: o.headDim,
                                     totalBatchSize: o.totalBatchSize, targetParamDataRatio: o.targetParamDataRatio,
                                     numIterations: o.numIterations, targetFlops: o.targetFlops,
                                     unembeddingLr: o.unembeddingLr, embeddingLr: o.embeddingLr, matrixLr: o.matrixLr,
                                     scalarLr: o.scalarLr, weightDecay: o.weightDecay)
        print0(hp.horizon)
        if let r = resume, r.step > hp.numIterations {
            throw NanoChatError("base_train: cannot resume from step \(r.step): it is past the end of this run (num_iterations = \(hp.numIterations)); pass --num-iterations ≥ \(r.step) to train further")
        }
        if o.earlyStoppingPatience > 0 && o.evalEvery <= 0 {
            throw NanoChatError("base_train: --early-stopping-patience needs val bpb evaluations; set --eval-every")
        }
        if o.saveBest && o.evalEvery <= 0 {
            throw NanoChatError("base_train: --save-best needs val bpb evaluations; set --eval-every")
        }
        gradAccumSteps = try Self.gradAccumSteps(o, hp, dist: dist)
        Self.printBatchSummary(o, hp, counts: counts, gradAccumSteps: gradAccumSteps, worldSize: dist.worldSize)
        schedule = Schedule(numIterations: hp.numIterations, warmupSteps: o.warmupSteps,
                            warmdownRatio: o.warmdownRatio, finalLrFrac: o.finalLrFrac)
        optimizer = MuonAdamW(layout: model.layout, config: config, unembeddingLr: hp.unembeddingLr,
                              embeddingLr: hp.embeddingLr, matrixLr: hp.matrixLr, weightDecay: hp.weightDecayScaled,
                              scalarLr: hp.scalarLr, rank: dist.rank, worldSize: dist.worldSize)
        print0("Optimizer state per rank: \(Memory.format(optimizer.stateBytes))\(dist.worldSize > 1 ? " (sharded over \(dist.worldSize) ranks)" : "")")

        var state = LoopState()
        var loaderState: LoaderState? = nil
        if let r = resume {
            try TrainSetup.loadOptimizer(optimizer, dir: checkpointDir, step: r.step)
            state = LoopState(meta: r.meta, step: r.step)
            loaderState = try Self.loaderState(r, checkpointDir: checkpointDir, dist: dist)
        }
        trainLoader = try DataLoader(tokenizer: tokenizer, source: source, B: o.deviceBatchSize, T: o.maxSeqLen, split: "train",
                                     rank: dist.rank, worldSize: dist.worldSize, resume: loaderState)
        let trainStep = TrainStep(program: "base_train", model: model, optimizer: optimizer, dist: dist,
                                  B: o.deviceBatchSize, T: o.maxSeqLen, gradAccumSteps: gradAccumSteps, checkpointDir: checkpointDir)
        loop = TrainingLoop(trainStep: trainStep, numIterations: hp.numIterations,
                            options: LoopOptions(saveEvery: o.saveEvery, keepLast: o.keepLast, saveBest: o.saveBest,
                                                 earlyStoppingPatience: o.earlyStoppingPatience,
                                                 earlyStoppingMinDelta: o.earlyStoppingMinDelta),
                            flopsPerToken: flopsPerToken, state: state)
        // last, after every other check: --overwrite deletes the previous run here
        try RunDirectory.prepare(checkpointDir, resuming: resume != nil, overwrite: o.overwrite, dist: dist)
    }

    // MARK: - Setup pieces


    /// Real shards if present, else the bundled books (else the generated corpus) — only for a
    /// directory: the default one may be created; a path the user typed must exist.
    static func openData(_ o: TrainOptions, dist: Distributed) throws -> DocumentSource {
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: o.dataDir, isDirectory: &isDir)
        if !exists && o.dataDir != Paths.baseDataDir { throw NanoChatError(file: o.dataDir, "no such data directory or file") }
        if dist.rank == 0 && (!exists || isDir.boolValue) { try BundledCorpus.ensure(dataDir: o.dataDir) }
        dist.barrier()
        return try DocumentSource(path: o.dataDir)
    }

    /// Loads the weights of `--resume-from-step` (returning its meta) or `--init-from`; nil when starting fresh.
    static func loadWeights(into model: GPT, _ o: TrainOptions, checkpointDir: String, tokenizer: Tokenizer) throws -> ResumePoint? {
        if o.resumeFromStep >= 0 {
            let step = o.resumeFromStep == Int.max ? try CheckpointManager.lastStep(checkpointDir) : o.resumeFromStep
            let metaFile = CheckpointManager.metaPath(checkpointDir, step)
            let meta = try CheckpointManager.loadMeta(checkpointDir, step)
            try tokenizer.checkMatches(meta: meta, metaFile: metaFile, tokenizerPath: o.tokenizerDir)
            let saved = try CheckpointManager.modelConfig(from: meta, file: metaFile)
            guard saved == model.config else {
                throw NanoChatError(file: metaFile, "checkpoint model_config \(saved) differs from this run's \(model.config)")
            }
            try model.load(from: SafetensorsFile(path: CheckpointManager.modelPath(checkpointDir, step)))
            print0("Resuming from step \(step) of \(checkpointDir)")
            return ResumePoint(step: step, meta: meta)
        }
        if let src = o.initFrom {
            let file = try modelFile(src)
            try CheckpointManager.checkTokenizer(tokenizer, forModelFile: file, tokenizerPath: o.tokenizerDir)
            try model.load(from: SafetensorsFile(path: file))
            print0("Initialized weights from \(file) (fresh optimizer)")
        }
        return nil
    }

    /// A model file from a path: a `model_*.safetensors` file, or a checkpoint directory (its last step).
    static func modelFile(_ path: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw NanoChatError(file: path, "no such checkpoint") }
        if !isDir.boolValue { return path }
        return CheckpointManager.modelPath(path, try CheckpointManager.lastStep(path))
    }

    static func printModelSummary(_ config: GPTConfig, counts: [String: Int], flopsPerToken: Double) {
        print0("Model config: \(config)")
        for k in ["wte", "value_embeds", "lm_head", "transformer_matrices", "scalars", "total"] {
            print0(String(format: "%-20@ %@", k as NSString, commas(counts[k] ?? 0)))
        }
        print0(String(format: "Estimated FLOPs per token: %e", flopsPerToken))
    }

    static func gradAccumSteps(_ o: TrainOptions, _ hp: HyperParams, dist: Distributed) throws -> Int {
        try TrainSetup.gradAccumSteps(program: "base_train", totalBatchSize: hp.totalBatchSize, B: o.deviceBatchSize,
                                      T: o.maxSeqLen, worldSize: dist.worldSize)
    }

    static func printBatchSummary(_ o: TrainOptions, _ hp: HyperParams, counts: [String: Int], gradAccumSteps: Int, worldSize: Int) {
        print0("Tokens / micro-batch / rank: \(commas(o.deviceBatchSize * o.maxSeqLen)), world: \(worldSize), grad accumulation steps: \(gradAccumSteps), total batch: \(commas(hp.totalBatchSize))")
        print0(String(format: "Iterations: %d | batch lr scale: %.7f | weight decay: %.7f | tokens:params %.2f",
                      hp.numIterations, hp.batchLrScale, hp.weightDecayScaled,
                      Double(hp.totalBatchSize * hp.numIterations) / Double((counts["transformer_matrices"] ?? 0) + (counts["lm_head"] ?? 1))))
    }

    /// The loader state to resume from: exact (this rank's loader file) on the same number of ranks, else
    /// nanochat's approximate three keys from the meta.
    static func loaderState(_ r: ResumePoint, checkpointDir: String, dist: Distributed) throws -> LoaderState? {
        let savedWorld = r.meta["world_size"]?.int ?? 1
        let ownState = try savedWorld == dist.worldSize ? CheckpointManager.loadLoaderState(checkpointDir, r.step, rank: dist.rank) : nil
        let stateJSON = ownState ?? r.meta["dataloader_state_dict"]
        let stateFile = ownState != nil ? CheckpointManager.loaderPath(checkpointDir, r.step, rank: dist.rank)
                                        : CheckpointManager.metaPath(checkpointDir, r.step)
        TrainSetup.warnWorldChange(saved: savedWorld, now: dist.worldSize)
        guard let s = stateJSON else { return nil }
        return try CheckpointManager.loaderState(s, file: stateFile)
    }

    // MARK: - Training

    /// Runs steps until `numIterations` (inclusive final eval/save), or until `stopAfter` steps have run in
    /// this call (used by tests to simulate an interruption).
    public func train(stopAfter: Int? = nil) throws {
        try loop.run(source: trainLoader, schedule: PretrainSchedule(schedule: schedule, weightDecay: hp.weightDecayScaled),
                     hooks: self, stopAfter: stopAfter)
    }

    // MARK: - Evaluation and checkpoints

    /// Val bpb (nanochat/loss_eval.py: evaluate_bpb) on a fresh val loader: eval_tokens // (B·T·W) batches.
    func evaluateValBpb() throws -> Double {
        let B = opt.deviceBatchSize, T = opt.maxSeqLen
        let steps = max(1, opt.evalTokens / (B * T * dist.worldSize))
        let val = try DataLoader(tokenizer: tokenizer, source: source, B: B, T: T, split: "val",
                                 rank: dist.rank, worldSize: dist.worldSize, resume: nil)
        return try LossEval.bitsPerByte(model: model, tokenBytes: tokenizer.tokenBytes, steps: steps, B: B, T: T, dist: dist) {
            let b = try val.next(); return (b.inputs, b.targets)
        }
    }

    func evaluateCore() throws -> Double {
        let bundle = try CoreBundle(dir: opt.bundleDir)
        let result = try CoreEval.evaluate(bundle: bundle, model: model, tokenizer: tokenizer,
                                           maxPerTask: opt.coreMetricMaxPerTask, dist: dist)
        return result.core
    }

    func sample() throws {
        // greedy, 16 tokens, prompt = [BOS] + text (scripts/base_train.py: the training loop); the engine keeps its
        // own cache and RNG, so the training state is untouched
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
            ("loop_state", loop.state.json),
            ("world_size", .int(dist.worldSize)),
        ])
    }
}

/// base_train's cadence (scripts/base_train.py: the training loop): val bpb every `--eval-every` and at the end,
/// CORE every `--core-metric-every` (not at step 0) and at the end, samples likewise on rank 0; a checkpoint with
/// the loader state.
extension BaseTrainer: TrainingHooks {
    public func isLastStep(_ step: Int) -> Bool { step == hp.numIterations }

    public func evaluate(step: Int, last: Bool) throws -> StepEvals {
        var evals = StepEvals()
        if opt.evalEvery > 0 && (last || step % opt.evalEvery == 0) {
            let bpb = try evaluateValBpb()
            evals.valBpb = bpb
            print0(String(format: "Step %05d | Validation bpb: %.6f", step, bpb))
        }
        if opt.coreMetricEvery > 0 && (last || (step > 0 && step % opt.coreMetricEvery == 0)) {
            let core = try evaluateCore()
            evals.core = core
            print0(String(format: "Step %05d | CORE metric: %.4f", step, core))
        }
        if opt.sampleEvery > 0 && dist.rank == 0 && (last || (step > 0 && step % opt.sampleEvery == 0)) {
            try sample()
        }
        return evals
    }

    public func save(step: Int, to dir: String) throws {
        let ls = try JSONValue.encoding(trainLoader.state)
        try CheckpointManager.save(dir: dir, step: step, model: model, optimizer: optimizer,
                                   loaderState: ls, meta: meta(), tokenizer: tokenizer, dist: dist)
        print0("Saved checkpoint for step \(step) to \(dir)")
    }
}
