import Foundation

/// nanochat's chat_sft (scripts/chat_sft.py, HEAD): a base checkpoint fine-tuned on a mixture of
/// conversations with the loss on the assistant's tokens only. Setup lives here; the loop is the shared
/// `TrainingLoop`/`TrainStep` with `SFTBatchSource` (packed conversations), `SFTSchedule` (progress-based lr)
/// and this class as the hooks (epoch end agreed across ranks, val loss/bpb, checkpoints that resume exactly).
public final class SFTTrainer {
    public let opt: SFTOptions
    public let dist: Distributed
    public let tokenizer: Tokenizer
    public let model: GPT
    public let optimizer: MuonAdamW
    /// The config the model runs with (the base checkpoint's: its windows come from the base sequence_len).
    public let config: GPTConfig
    public let B: Int, T: Int, totalBatchSize: Int
    public let gradAccumSteps: Int
    public let outputDir: String
    public let base: (dir: String, step: Int)
    public let train: TaskMixture
    public let val: TaskMixture?
    public let source: SFTBatchSource
    public let schedule: SFTSchedule
    public let loop: TrainingLoop
    public let chatcore: SFTChatCore
    /// (step, val loss, val bpb) of every evaluation run in this process.
    public private(set) var evals: [(step: Int, loss: Double, bpb: Double)] = []
    /// (step, train_log fields) of every ChatCORE run in this process.
    public private(set) var chatcoreEvals: [(step: Int, fields: [(String, Double?)])] = []
    private var lastValLoss: Double? = nil

    public var step: Int { loop.state.step }
    public var losses: [Float] { loop.losses }

    public init(options o: SFTOptions, dist: Distributed) throws {
        opt = o
        self.dist = dist
        Threads.configure(flag: o.threads, ranksOnHost: dist.localSize)
        tokenizer = try Tokenizer.load(path: o.tokenizerDir)  // also a bare tokenizer.tiktoken, as base_train

        // The base checkpoint: its config, meta (for inherited sizes and lrs) and step
        let tag = try o.modelTag ?? CheckpointManager.resolveTag(o.checkpointsDir)
        let baseDir = Paths.join(o.checkpointsDir, tag)
        guard Paths.exists(baseDir) else { throw NanoChatError(file: baseDir, "no such base checkpoint directory (train one with base_train)") }
        let baseStep = try o.modelStep ?? CheckpointManager.lastStep(baseDir)
        let baseMeta = try CheckpointManager.loadMeta(baseDir, baseStep)
        config = try CheckpointManager.modelConfig(from: baseMeta, file: CheckpointManager.metaPath(baseDir, baseStep))
        base = (baseDir, baseStep)
        try tokenizer.checkMatches(meta: baseMeta, metaFile: CheckpointManager.metaPath(baseDir, baseStep), tokenizerPath: o.tokenizerDir)

        // Sizes and lrs: given, else the base run's, else nanochat's fallbacks
        let userConfig = baseMeta["user_config"]
        func inherit<V: Equatable>(_ name: String, _ given: V?, _ saved: V?, _ fallback: V) -> V {
            if let g = given {
                if let s = saved, s != g { print0("NOTE: --\(name.replacingOccurrences(of: "_", with: "-"))=\(g) overrides pretrained value of \(s)") }
                else { print0("Using \(name)=\(g)") }
                return g
            }
            let v = saved ?? fallback
            print0("Inherited \(name)=\(v) from pretrained checkpoint")
            return v
        }
        T = inherit("max_seq_len", o.maxSeqLen, baseMeta["max_seq_len"]?.int, 2048)
        B = inherit("device_batch_size", o.deviceBatchSize, baseMeta["device_batch_size"]?.int, 32)
        totalBatchSize = inherit("total_batch_size", o.totalBatchSize, baseMeta["total_batch_size"]?.int, 524288)
        let embeddingLr = inherit("embedding_lr", o.embeddingLr, userConfig?["embedding_lr"]?.double, 0.3)
        let unembeddingLr = inherit("unembedding_lr", o.unembeddingLr, userConfig?["unembedding_lr"]?.double, 0.004)
        let matrixLr = inherit("matrix_lr", o.matrixLr, userConfig?["matrix_lr"]?.double, 0.02)
        guard T >= 1, B >= 1, T <= config.rotaryLimit else {
            throw NanoChatError("chat_sft: --max-seq-len=\(T) exceeds 10 × the base model's sequence_len \(config.sequenceLen) (rotary table)")
        }
        gradAccumSteps = try TrainSetup.gradAccumSteps(program: "chat_sft", totalBatchSize: totalBatchSize, B: B, T: T,
                                                       worldSize: dist.worldSize)
        print0("Tokens / micro-batch / rank: \(B) x \(T) = \(commas(B * T)), world: \(dist.worldSize), grad accumulation steps: \(gradAccumSteps), total batch: \(commas(totalBatchSize))")
        if gradAccumSteps > 1 && o.numIterations > 0 {
            print0("NOTE: --num-iterations=\(o.numIterations) counts optimizer steps here; nanochat counts micro-batches "
                + "(its prefetched one included): its --num-iterations=\(o.numIterations * gradAccumSteps + 1) runs these same steps")
        }
        outputDir = Paths.join(o.outputDir, o.modelTag ?? "d\(config.nLayer)")
        try RunDirectory.check(outputDir, resuming: o.resumeFromStep >= 0, overwrite: o.overwrite, dist: dist)

        // Weights: the SFT checkpoint being resumed, else the base model
        model = try GPT(config: config)
        var resumeMeta: JSONValue? = nil, resumeStep = -1
        if o.resumeFromStep >= 0 {
            resumeStep = o.resumeFromStep == Int.max ? try CheckpointManager.lastStep(outputDir) : o.resumeFromStep
            let meta = try CheckpointManager.loadMeta(outputDir, resumeStep)
            try tokenizer.checkMatches(meta: meta, metaFile: CheckpointManager.metaPath(outputDir, resumeStep), tokenizerPath: o.tokenizerDir)
            if let saved = meta["train_model_config"] {
                let c = try JSONDecoder().decode(GPTConfig.self, from: Data(saved.serialized().utf8))
                guard c == config else {
                    throw NanoChatError(file: CheckpointManager.metaPath(outputDir, resumeStep), "was trained from a base model with config \(c), not \(config)")
                }
            }
            try model.load(from: SafetensorsFile(path: CheckpointManager.modelPath(outputDir, resumeStep)))
            resumeMeta = meta
            print0("Resuming chat_sft from step \(resumeStep) of \(outputDir)")
        } else {
            try model.load(from: SafetensorsFile(path: CheckpointManager.modelPath(baseDir, baseStep)))
            print0("Loaded base model \(baseDir) step \(baseStep): \(config)")
        }

        // Optimizer: SFT lrs, weight decay 0, then (nanochat) the base run's state with the fresh lrs kept,
        // then every lr × init_lr_frac becomes the initial lr. A resumed run loads its own state as saved.
        optimizer = MuonAdamW(layout: model.layout, config: config, unembeddingLr: unembeddingLr, embeddingLr: embeddingLr,
                              matrixLr: matrixLr, weightDecay: 0, scalarLr: 0.5, rank: dist.rank, worldSize: dist.worldSize)
        if resumeMeta != nil {
            try TrainSetup.loadOptimizer(optimizer, dir: outputDir, step: resumeStep)
        } else {
            if o.loadOptimizer {
                let freshLrs = optimizer.groups.map(\.lr)
                if Paths.exists(CheckpointManager.optimPath(baseDir, baseStep, rank: 0)) {
                    try TrainSetup.loadOptimizer(optimizer, dir: baseDir, step: baseStep)
                    for i in optimizer.groups.indices { optimizer.groups[i].lr = freshLrs[i] }
                    print0("Loaded optimizer state from pretrained checkpoint (momentum buffers only, LRs reset)")
                } else {
                    print0("WARNING: optimizer checkpoint not found, starting with fresh optimizer (slightly worse)")
                }
            }
            for i in optimizer.groups.indices {
                optimizer.groups[i].lr *= o.initLrFrac
                optimizer.groups[i].initialLr = optimizer.groups[i].lr
            }
        }

        // Data: the mixtures, and the packing loader (exact state on resume)
        // rank 0 decompresses the bundled mixture (when that is the one) before the others read it
        let first = dist.rank == 0 ? try SFTMixtures.resolve(o) : nil
        dist.barrier()
        let data = try first ?? SFTMixtures.resolve(o, install: false)
        data.notes.forEach { print0($0) }
        let (trainEntries, valEntries) = (data.train, data.val)
        train = try MixtureSpec.mixture(trainEntries)
        val = valEntries.isEmpty ? nil : try MixtureSpec.mixture(valEntries)
        print0("Training mixture: \(commas(train.count)) rows (\(trainEntries.map(\.description).joined(separator: ", ")))")
        if let v = val {
            print0("Validation mixture: \(commas(v.count)) rows (\(valEntries.map(\.description).joined(separator: ", ")))")
        } else {
            print0("No validation mixture (pass --val-mixture=...): val loss is not computed")
        }
        var resume: SFTBatchSource.ResumeState? = nil
        if let meta = resumeMeta {
            let savedWorld = meta["world_size"]?.int ?? 1
            TrainSetup.warnWorldChange(saved: savedWorld, now: dist.worldSize)
            // this rank's exact state on the same number of ranks; else rank 0's, moved to this rank's stride
            let stateRank = savedWorld == dist.worldSize ? dist.rank : 0
            guard let s = try CheckpointManager.loadLoaderState(outputDir, resumeStep, rank: stateRank) else {
                throw NanoChatError(file: CheckpointManager.loaderPath(outputDir, resumeStep, rank: stateRank), "missing: no loader state to resume from")
            }
            var state = try JSONDecoder().decode(SFTBatchSource.ResumeState.self, from: Data(s.serialized().utf8))
            if savedWorld != dist.worldSize {
                state.loader = state.loader.approximate(rank: dist.rank, worldSize: dist.worldSize,
                                                        microBatches: resumeStep * gradAccumSteps, count: train.count)
            }
            resume = state
        }
        // --num-iterations counts optimizer steps: the loader counts micro-batches (nanochat's `it`, which with
        // its prefetch and grad accumulation ends early), so its budget is N·accum + 1 (the prefetched one)
        let budget = o.numIterations > 0 ? o.numIterations * gradAccumSteps + 1 : -1
        let loader = try SFTLoader(tokenizer: tokenizer, dataset: train, B: B, T: T, train: true, numIterations: budget,
                                   rank: dist.rank, worldSize: dist.worldSize, resume: resume?.loader)
        source = try SFTBatchSource(loader: loader, resume: resume)
        let muonWD = optimizer.groups.first { $0.kind == .muon }?.weightDecay ?? 0
        schedule = SFTSchedule(source: source, warmupRatio: o.warmupRatio, warmdownRatio: o.warmdownRatio,
                               finalLrFrac: o.finalLrFrac, muonWeightDecay: muonWD)

        let horizon = o.numIterations > 0 ? o.numIterations : try Self.estimateSteps(train, tokenizer: tokenizer, T: T,
                                                                                    rowsPerStep: B * gradAccumSteps * dist.worldSize)
        if o.numIterations <= 0 { print0("One epoch ≈ \(horizon) steps (estimated from the first conversations; the run ends when the epoch is consumed)") }
        chatcore = try SFTChatCore(options: o)
        let trainStep = TrainStep(program: "chat_sft", model: model, optimizer: optimizer, dist: dist, B: B, T: T,
                                  gradAccumSteps: gradAccumSteps, checkpointDir: outputDir)
        try RunDirectory.prepare(outputDir, resuming: resumeMeta != nil, overwrite: o.overwrite, dist: dist)
        loop = TrainingLoop(trainStep: trainStep, numIterations: horizon, options: LoopOptions(saveEvery: o.saveEvery, lineFormat: .chatSFT),
                            flopsPerToken: model.estimateFlops(), state: resumeMeta.map { LoopState(meta: $0, step: resumeStep) } ?? LoopState())
        lastValLoss = resumeMeta?["val_loss"]?.double
    }

    /// Steps in one epoch, for the log's ETA: the mixture's tokens (mean rendered length of up to 256 of its
    /// conversations) over the tokens one step packs.
    static func estimateSteps(_ mix: TaskMixture, tokenizer: Tokenizer, T: Int, rowsPerStep: Int) throws -> Int {
        let n = min(mix.count, 256)
        guard n > 0 else { return 1 }
        var total = 0
        for i in 0..<n { total += min(T + 1, try tokenizer.renderConversation(try mix.conversation(at: i)).ids.count) }
        let perRow = max(1.0, Double(T + 1) / (Double(total) / Double(n)))
        return max(1, Int((Double(mix.count) / (perRow.rounded(.down) * Double(rowsPerStep))).rounded(.up)))
    }

    /// Runs until the epoch (or --num-iterations) is done, or `stopAfter` steps (tests: an interruption).
    public func train(stopAfter: Int? = nil) throws {
        try loop.run(source: source, schedule: schedule, hooks: self, stopAfter: stopAfter)
        if loop.state.step > 0 && source.lastStep {
            print0("Chat checkpoint: \(outputDir) (step \(loop.state.step))")
            if source.loader.truncated > 0 {
                print0("\(source.loader.truncated) conversations were longer than max_seq_len+1 = \(T + 1) tokens and were cut to fit")
            }
        }
    }

    /// Val loss and bpb on the validation mixture: eval_tokens // (B·T·W) batches of a fresh loader.
    public func evaluateVal() throws -> SFTEval.Result? {
        guard let v = val else { return nil }
        return try SFTEval.evaluate(model: model, tokenizer: tokenizer, dataset: v, B: B, T: T,
                                    steps: max(1, opt.evalTokens / (B * T * dist.worldSize)), dist: dist)
    }

    func meta() throws -> JSONValue {
        var mc = config
        mc.sequenceLen = T   // nanochat writes the SFT max_seq_len here
        return .object([
            ("step", .int(loop.state.step)),
            ("val_bpb", loop.state.valBpb.map { .double($0) } ?? .null),
            ("val_loss", lastValLoss.map { .double($0) } ?? .null),
            ("model_config", try JSONValue.encoding(mc)),
            ("user_config", opt.userConfigJSON),
            ("device_batch_size", .int(B)),
            ("max_seq_len", .int(T)),
            ("total_batch_size", .int(totalBatchSize)),
            ("loop_state", loop.state.json),
            ("world_size", .int(dist.worldSize)),
            ("train_model_config", try JSONValue.encoding(config)),
            ("base_checkpoint", .object([("dir", .string(base.dir)), ("step", .int(base.step))])),
        ])
    }
}

/// nanochat's cadence: the run ends when any rank has consumed its epoch (all-reduce MAX), val loss/bpb at
/// step 0, every --eval-every and at the end; a checkpoint at the end (and every --save-every).
extension SFTTrainer: TrainingHooks {
    public func isLastStep(_ step: Int) throws -> Bool {
        dist.allReduceMax(source.lastStep ? 1 : 0) > 0
    }

    public func evaluate(step: Int, last: Bool) throws -> StepEvals {
        var out = StepEvals()
        if last || (opt.evalEvery > 0 && step % opt.evalEvery == 0), let r = try evaluateVal() {
            evals.append((step, r.loss, r.bpb))
            lastValLoss = r.loss
            print0(String(format: "Step %05d | Validation bpb: %.4f | val loss: %.6f | supervised tokens: %@", step, r.bpb, r.loss, commas(r.targets)))
            out.valBpb = r.bpb
        }
        if chatcore.isDue(step: step, last: last) {
            out.extra = try chatcore.evaluate(step: step, model: model, tokenizer: tokenizer, batchSize: B, dist: dist)
            chatcoreEvals.append((step, out.extra))
        }
        return out
    }

    public func save(step: Int, to dir: String) throws {
        try CheckpointManager.save(dir: dir, step: step, model: model, optimizer: optimizer,
                                   loaderState: try JSONValue.encoding(source.resumeState), meta: meta(), tokenizer: tokenizer, dist: dist)
        print0("Saved chat checkpoint for step \(step) to \(dir)")
    }
}
