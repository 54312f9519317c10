import Foundation

/// nanochat's chat_rl (scripts/chat_rl.py): REINFORCE-style "GRPO" on GSM8K from an SFT checkpoint. Per step
/// each rank takes its `examples-per-step / ranks` train problems (rank r: problems r, r+W, ... cycled),
/// samples `num-samples` completions of each through the Engine with the calculator live, rewards 1/0 by
/// the GSM8K answer check, advantage = reward − mean over the problem's samples, and minimises
/// Σ CE·advantage over the sampled tokens (mask = 1; prompt and forced calculator output excluded) divided
/// by valid tokens × passes × examples per rank (nanochat's token-level normalisation), through the fused
/// head's per-token weights. MuonAdamW starts fresh at the lrs × init-lr-frac and ramps linearly to 0.
/// Resume is exact: the weights, optimizer state, step and each rank's problem cursor are saved, and the
/// sampling seeds are a function of (step, problem, pass) as in nanochat.
public final class RLTrainer {
    public let opt: RLOptions
    public let dist: Distributed
    public let tokenizer: Tokenizer
    public let model: GPT
    public let engine: Engine
    public let optimizer: MuonAdamW
    public let train: GSM8K
    public let test: GSM8K?
    public let outputDir: String
    public let numSteps: Int
    public let examplesPerRank: Int
    /// the next step to run, and this rank's position in its cycle of train problems
    public private(set) var step = 0
    public private(set) var cursor = 0
    /// mean reward of every step run in this process (all ranks), for tests and the log
    public private(set) var rewards: [Double] = []
    public private(set) var passAtK: [(step: Int, values: [Double])] = []
    let source: (dir: String, step: Int)
    /// `<output dir>/train_log.jsonl` (rank 0): reward, pg_loss (the policy-gradient objective, not an LM loss: kept out
    /// of report's loss plot), lrm, dt, sequence_length per step, and pass_at_k when evaluated.
    var log: TrainLogWriter? = nil

    public init(options o: RLOptions, dist: Distributed) throws {
        opt = o
        self.dist = dist
        Threads.configure(flag: o.threads, ranksOnHost: dist.localSize)
        guard o.numSamples % o.deviceBatchSize == 0 || o.numSamples < o.deviceBatchSize else {
            throw NanoChatError("chat_rl: --num-samples=\(o.numSamples) must be a multiple of --device-batch-size=\(o.deviceBatchSize) (or smaller)")
        }
        guard o.examplesPerStep % dist.worldSize == 0 else {
            throw NanoChatError("chat_rl: --examples-per-step=\(o.examplesPerStep) must be divisible by the number of ranks \(dist.worldSize)")
        }
        examplesPerRank = o.examplesPerStep / dist.worldSize

        // data: GSM8K train (and test for pass@k), from the flags or where `dataset --sft` puts them
        let defaults = MixtureSpec.defaults(sftDataDir: Paths.join(Paths.baseDir, "sft_data"))
        var trainPath = o.trainData ?? defaults.train.first(where: { $0.task == "gsm8k" })?.path
        if trainPath == nil, let bundle = BundledSFT.sourceDir() {
            // the GSM8K train bundled in data/sft (rank 0 decompresses it, as chat_sft does)
            let first = dist.rank == 0 ? try BundledSFT.ensure(source: bundle) : nil
            dist.barrier()
            trainPath = try (first ?? BundledSFT.ensure(source: bundle, install: false)).paths["gsm8k_train.jsonl"]
            print0("NOTE: no GSM8K in \(Paths.join(Paths.baseDir, "sft_data")) — using the GSM8K train bundled in \(bundle) "
                   + "(no test split there: pass --test-data=FILE for pass@k). Run `dataset --sft` for nanochat's.")
        }
        guard let trainPath else {
            throw NanoChatError("chat_rl: no GSM8K train data: pass --train-data=FILE (jsonl with question/answer) or run `dataset --sft`")
        }
        train = try GSM8K(path: trainPath)
        guard train.count >= dist.worldSize else { throw NanoChatError(file: trainPath, "needs at least one problem per rank") }
        let testPath = o.testData ?? defaults.val.first(where: { $0.task == "gsm8k" })?.path
        test = try testPath.map { try GSM8K(path: $0) }

        // the SFT model (or this run's own checkpoint when resuming) through the one model loader: tokenizer,
        // fingerprint and vocab against the checkpoint, and the RAM to train on a pass of rollouts
        let tag = try o.modelTag ?? CheckpointManager.resolveTag(o.checkpointsDir)
        outputDir = Paths.join(o.outputDir, tag)
        var resumeStep = -1
        if o.resumeFromStep >= 0 {
            resumeStep = o.resumeFromStep == Int.max ? try CheckpointManager.lastStep(outputDir) : o.resumeFromStep
        }
        let loaded = try ModelLoader.load(checkpointsDir: resumeStep >= 0 ? o.outputDir : o.checkpointsDir, modelTag: tag,
                                          step: resumeStep >= 0 ? resumeStep : o.modelStep, tokenizerDir: o.tokenizerDir,
                                          sequences: min(o.deviceBatchSize, o.numSamples), training: true, ranksOnHost: dist.localSize,
                                          what: "chat_rl --device-batch-size=\(o.deviceBatchSize)")
        tokenizer = loaded.tokenizer
        model = loaded.model
        source = (loaded.dir, loaded.step)
        engine = Engine(model: model, tokenizer: tokenizer)

        optimizer = MuonAdamW(layout: model.layout, config: model.config, unembeddingLr: o.unembeddingLr, embeddingLr: o.embeddingLr,
                              matrixLr: o.matrixLr, weightDecay: o.weightDecay, rank: dist.rank, worldSize: dist.worldSize)
        for i in optimizer.groups.indices {
            optimizer.groups[i].lr *= o.initLrFrac
            optimizer.groups[i].initialLr = optimizer.groups[i].lr
        }
        let horizon = max(1, train.count / o.examplesPerStep) * o.numEpochs
        numSteps = o.numIterations > 0 ? min(o.numIterations, horizon) : horizon
        if resumeStep >= 0 {
            var p = CheckpointManager.optimPath(outputDir, resumeStep, rank: dist.rank)
            if !Paths.exists(p) { p = CheckpointManager.optimPath(outputDir, resumeStep, rank: 0) }
            try optimizer.load(from: p)
            guard let state = try CheckpointManager.loadLoaderState(outputDir, resumeStep, rank: dist.rank),
                  let next = state["next_step"]?.int, let c = state["cursor"]?.int else {
                throw NanoChatError(file: CheckpointManager.loaderPath(outputDir, resumeStep, rank: dist.rank),
                                    "missing or without next_step/cursor: chat_rl resumes on the same number of ranks it was saved with")
            }
            step = next; cursor = c
            print0("Resuming chat_rl from step \(resumeStep) of \(outputDir)")
        }
        try Paths.ensureDir(outputDir)
        print0("chat_rl plan: \(numSteps) steps × \(o.examplesPerStep) problems × \(o.numSamples) samples = "
               + "\(commas(numSteps * o.examplesPerStep * o.numSamples)) rollouts of ≤ \(o.maxNewTokens) tokens "
               + "(\(commas(train.count)) train problems, \(dist.worldSize) rank\(dist.worldSize == 1 ? "" : "s"); ETA after the first step)")
    }

    /// nanochat's seed: `hash((step, example_idx, sampling_step)) & 0x7FFFFFFF`, CPython's tuple hash
    /// (xxHash-style, Objects/tupleobject.c) of small non-negative ints, which hash to themselves.
    public static func pythonTupleSeed(_ items: [Int]) -> UInt64 {
        let p1: UInt64 = 11400714785074694791, p2: UInt64 = 14029467366897019727, p5: UInt64 = 2870177450012600261
        var acc = p5
        for x in items {
            acc = acc &+ UInt64(x) &* p2
            acc = (acc << 31) | (acc >> 33)
            acc = acc &* p1
        }
        acc = acc &+ (UInt64(items.count) ^ (p5 ^ 3527539))
        if acc == UInt64.max { acc = 1546275796 }
        return acc & 0x7FFF_FFFF
    }

    /// One problem's rollouts: `numSamples` completions in passes of `deviceBatchSize`, with rewards.
    func rollouts(problem index: Int, step: Int) throws -> (sequences: [[Int32]], masks: [[UInt8]], rewards: [Double], prefix: Int) {
        let conversation = try train.conversation(at: index)
        let prompt = try tokenizer.renderForCompletion(conversation)
        let batch = min(opt.deviceBatchSize, opt.numSamples)
        var sequences: [[Int32]] = [], masks: [[UInt8]] = []
        for pass in 0..<(opt.numSamples / batch) {
            let (s, m) = try engine.generateBatch(tokens: prompt, numSamples: batch, maxTokens: opt.maxNewTokens,
                                                  temperature: opt.temperature, topK: opt.topK > 0 ? opt.topK : nil,
                                                  seed: Self.pythonTupleSeed([step, index, pass]))
            sequences += s; masks += m
        }
        let reference = train.referenceAnswer(at: index)
        let rewards = sequences.map { seq -> Double in
            let text = tokenizer.decode(Array(seq[prompt.count...]))
            return extractAnswer(text) == reference && reference != nil ? 1 : 0
        }
        return (sequences, masks, rewards, prompt.count)
    }

    /// Accumulates one problem's policy gradient into model.grads; returns its mean reward and mean length.
    func accumulate(problem index: Int, step: Int) throws -> (reward: Double, length: Double, loss: Double) {
        let r = try rollouts(problem: index, step: step)
        let mean = r.rewards.reduce(0, +) / Double(r.rewards.count)
        let batch = min(opt.deviceBatchSize, opt.numSamples), passes = r.sequences.count / batch
        let pad = tokenizer.specialId("<|assistant_end|>") ?? 0
        var lossSum = 0.0
        for pass in 0..<passes {
            let rows = Array(pass * batch..<(pass + 1) * batch)
            let length = rows.map { r.sequences[$0].count }.max()!
            let T = length - 1
            guard T > 0 else { continue }
            var inputs = [Int32](), targets = [Int32](), weights = [Float]()
            inputs.reserveCapacity(batch * T); targets.reserveCapacity(batch * T)
            for b in rows {
                let seq = r.sequences[b] + [Int32](repeating: pad, count: length - r.sequences[b].count)
                let mask = r.masks[b] + [UInt8](repeating: 0, count: length - r.masks[b].count)
                inputs += seq[0..<T]
                for t in 1...T { targets.append(mask[t] == 0 ? -1 : seq[t]) }
            }
            let valid = max(1, targets.filter { $0 >= 0 }.count)
            // loss = Σ CE·advantage / (valid · passes · examples per rank), summed over ranks by the optimizer
            let denom = Float(valid * passes * examplesPerRank * dist.worldSize)
            for b in rows { weights += [Float](repeating: Float(r.rewards[b] - mean) / denom, count: T) }
            let loss = inputs.withUnsafeBufferPointer { x in targets.withUnsafeBufferPointer { y in weights.withUnsafeBufferPointer { w in
                model.forward(inputs: x, targets: y, B: batch, T: T, tokenWeights: w)
            } } }
            model.backward()
            lossSum += Double(loss) * Double(dist.worldSize)
            let passMean = rows.map { r.rewards[$0] }.reduce(0, +) / Double(batch)
            print0(String(format: "Step %d/%d | Example %d | Pass %d | loss: %.6f | Average reward: %g", step, numSteps, index, pass,
                          loss * Float(dist.worldSize), passMean))
        }
        return (mean, Double(r.sequences.map(\.count).reduce(0, +)) / Double(r.sequences.count), lossSum)
    }

    /// pass@1…k on the first `eval-examples` GSM8K test problems (k = device batch size, T = 1.0 as nanochat).
    public func evaluatePassAtK() throws -> [Double]? {
        guard let test else { return nil }
        let k = opt.deviceBatchSize, n = min(opt.evalExamples, test.count)
        var counts = [Double](repeating: 0, count: k + 1)   // last slot: problems
        for idx in stride(from: dist.rank, to: n, by: dist.worldSize) {
            let prompt = try tokenizer.renderForCompletion(try test.conversation(at: idx))
            let (seqs, _) = try engine.generateBatch(tokens: prompt, numSamples: k, maxTokens: opt.maxNewTokens, temperature: 1.0,
                                                     topK: opt.topK > 0 ? opt.topK : nil)
            let correct = seqs.map { extractAnswer(tokenizer.decode(Array($0[prompt.count...]))) == test.referenceAnswer(at: idx) }
            for j in 0..<k where correct[0...j].contains(true) { counts[j] += 1 }
            counts[k] += 1
        }
        counts.withUnsafeMutableBufferPointer { dist.allReduceSum($0) }
        return (0..<k).map { counts[$0] / max(1, counts[k]) }
    }

    /// Runs to the horizon, or `stopAfter` steps (tests: an interruption).
    public func train(stopAfter: Int? = nil) throws {
        let rankProblems = Array(stride(from: dist.rank, to: train.count, by: dist.worldSize))
        var ran = 0
        var progress = Progress("chat_rl", total: numSteps, unit: "steps")
        if dist.rank == 0 { log = try TrainLogWriter(directory: outputDir, firstStep: step) }
        while step < numSteps {
            if let stop = stopAfter, ran >= stop { return }
            var passFields: [(String, Double?)] = []
            if opt.evalEvery > 0 && step % opt.evalEvery == 0, let passk = try evaluatePassAtK() { passFields = recordPassAtK(passk) }
            let t0 = now()
            model.zeroGrad()
            var reward = 0.0, length = 0.0, loss = 0.0
            for _ in 0..<examplesPerRank {
                let index = rankProblems[cursor % rankProblems.count]
                cursor += 1
                let r = try accumulate(problem: index, step: step)
                reward += r.reward / Double(examplesPerRank); length += r.length / Double(examplesPerRank)
                loss += r.loss
            }
            reward = dist.allReduceMean(reward); length = dist.allReduceMean(length)
            loss = dist.allReduceMean(loss)   // each rank logged W × its share: the mean is the objective (Σ over ranks)
            rewards.append(reward)
            let lrm = 1 - Double(step) / Double(numSteps)   // nanochat's get_lr_multiplier: linear to 0
            for i in optimizer.groups.indices { optimizer.groups[i].lr = optimizer.groups[i].initialLr * lrm }
            optimizer.step(params: model.params, grads: model.grads, dist: dist)
            let dt = now() - t0
            print0(String(format: "Step %d/%d | Average reward: %g | Average sequence length: %.2f | lrm: %.4f | dt: %.1fs",
                          step, numSteps, reward, length, lrm, dt))
            try log?.append(step: step, [("reward", reward), ("pg_loss", loss), ("lrm", lrm), ("dt", dt), ("sequence_length", length)] + passFields)
            progress.update(step + 1)
            if (step > 0 && opt.saveEvery > 0 && step % opt.saveEvery == 0) || step == numSteps - 1 { try save(step: step) }
            step += 1; ran += 1
        }
        progress.finish()
        if let passk = try evaluatePassAtK() { try log?.append(step: step, recordPassAtK(passk)) }
    }

    /// Prints nanochat's pass@k line and returns the train_log fields `pass_at_1`…`pass_at_k`.
    func recordPassAtK(_ passk: [Double]) -> [(String, Double?)] {
        passAtK.append((step, passk))
        print0("Step \(step) | " + passk.enumerated().map { String(format: "Pass@%d: %.4f", $0.offset + 1, $0.element) }.joined(separator: ", "))
        return passk.enumerated().map { ("pass_at_\($0.offset + 1)", $0.element) }
    }

    /// nanochat's checkpoint (model + config) plus what an exact resume needs: optimizer state, next step, cursor.
    func save(step: Int) throws {
        var mc = model.config
        mc.sequenceLen = model.config.sequenceLen
        let meta: JSONValue = .object([
            ("step", .int(step)),
            ("model_config", try JSONValue.encoding(mc)),
            ("user_config", opt.userConfigJSON),
            ("sft_checkpoint", .object([("dir", .string(source.dir)), ("step", .int(source.step))])),
            ("mean_reward", rewards.last.map { .double($0) } ?? .null),
            ("world_size", .int(dist.worldSize)),
        ])
        let state: JSONValue = .object([("next_step", .int(step + 1)), ("cursor", .int(cursor))])
        try CheckpointManager.save(dir: outputDir, step: step, model: model, optimizer: optimizer, loaderState: state,
                                   meta: meta, tokenizer: tokenizer, dist: dist)
        print0("Saved RL checkpoint for step \(step) to \(outputDir)")
    }
}
