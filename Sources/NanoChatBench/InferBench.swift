import Foundation
import NanoChat

// nanochat's scripts/infer_bench.py on a CPU: a card of what the architecture implies, prefill speed
// (against the training forward on the same tokens), and a sweep over decode batch sizes with time to
// first token, ms per decode step, tokens/s and MBU (bytes each step must read — the weights once plus
// every row's KV cache — per second, over the streaming-read bandwidth measured in the same run).
// The last line of stdout is one JSON document with everything printed.

/// A tokenizer for random weights: no special tokens the model could emit, so no row stops early.
final class RandomWeightsTokenizer: TextTokenizer, @unchecked Sendable {
    let vocabSize: Int
    init(vocabSize: Int) { self.vocabSize = vocabSize }
    var bosId: Int32 { -1 }
    func specialId(_ name: String) -> Int32? { nil }
    func encodeOrdinary(_ text: String) -> [Int32] { [] }
    func encodeOrdinaryBatch(_ texts: [String], threads: Int) -> [[Int32]] { texts.map { _ in [] } }
    func decode(_ ids: [Int32]) -> String { "" }
    var tokenBytes: [Int32] { [Int32](repeating: 1, count: vocabSize) }
}

public enum InferBench {
    struct Loaded { let model: GPT; let tokenizer: TextTokenizer; let label: String; let step: Int?; let prompt: [Int32] }

    static func load(_ o: InferBenchOptions, context: Int) throws -> Loaded {
        if o.depth > 0 {
            let config = GPTConfig.fromDepth(o.depth, maxSeqLen: max(2048, context))
            let model = try GPT(config: config)
            var rng = RNG(seed: 2)   // nanochat zero-inits some projections; random weights exercise everything
            rng.fillNormal(model.params.ptr, model.params.count, std: 0.02)
            var ids = RNG(seed: 3)
            let prompt = (0..<o.promptTokens).map { _ in Int32(ids.next() % UInt64(config.vocabSize)) }
            return Loaded(model: model, tokenizer: RandomWeightsTokenizer(vocabSize: config.vocabSize),
                          label: "random weights, --depth=\(o.depth)", step: nil, prompt: prompt)
        }
        let loaded = try ModelLoader.load(o.checkpoint, tokenizerDir: o.tokenizerDir ?? Paths.tokenizerDir, what: "infer_bench")
        // nanochat's build_prompt: a natural-language prompt keeps argmax decoding from degenerating
        let paragraph = "The history of science is the study of the development of science, including both the natural and social "
            + "sciences. Science is a body of empirical, theoretical, and practical knowledge about the natural world. "
        var prompt = [loaded.tokenizer.bosId]
        while prompt.count < o.promptTokens { prompt += loaded.tokenizer.encodeOrdinary(paragraph) }
        return Loaded(model: loaded.model, tokenizer: loaded.tokenizer, label: "\(o.checkpoint.source) \(loaded.dir)", step: loaded.step,
                      prompt: Array(prompt.prefix(o.promptTokens)))
    }

    /// Bytes of KV cache one row reads per decode step at `context` positions (each layer reads its window).
    static func kvReadBytes(_ c: GPTConfig, context: Int) -> Int {
        c.windowSizes.reduce(0) { $0 + min(context, $1 + 1) * c.nKvHead * c.headDim * 2 * 4 }
    }

    struct Timed { let ttft: Double; let steps: [Double] }

    /// One generation as nanochat's bench_generate: the first column is the TTFT (batch-1 prefill, cache
    /// replicated over the rows, first token), every later column one decode step of all rows.
    static func generate(_ engine: Engine, _ prompt: [Int32], rows: Int, tokens: Int, temperature: Double,
                         timers: PhaseTimers? = nil) throws -> Timed {
        var t0 = now(), ttft = 0.0, steps: [Double] = []
        DecodeProfile.timers = timers
        defer { DecodeProfile.timers = nil }
        try engine.generate(tokens: prompt, numSamples: rows, maxTokens: tokens, temperature: temperature) { _, _ in
            let t = now()
            if ttft == 0 { ttft = t - t0 } else { steps.append(t - t0) }
            timers?.endStep()   // one filed step per column: the prefill first, then one per decode step
            t0 = t
            return true
        }
        return Timed(ttft: ttft, steps: steps)
    }

    /// The decode steps' mean ms per part (the prefill's step dropped), the rest being sampling and the Engine.
    static func profileLine(_ timers: PhaseTimers, _ r: Timed) -> String {
        let decode = timers.steps.dropFirst().prefix(r.steps.count)
        guard !decode.isEmpty else { return "" }
        let n = Double(decode.count)
        func ms(_ p: PhaseTimers.Phase) -> Double { 1e3 * decode.reduce(0) { $0 + $1.phases[p.rawValue] } / n }
        let parts: [(String, Double)] = [("linear", ms(.fwdLinear)), ("attention", ms(.fwdAttention)),
                                         ("elementwise", ms(.fwdElementwise)), ("head", ms(.fwdHead))]
        let wall = 1e3 * r.steps.reduce(0, +) / Double(r.steps.count)
        let rest = wall - parts.reduce(0) { $0 + $1.1 }
        return "        ms/step: " + (parts + [("rest", rest)]).map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: " | ")
    }

    public static func run(_ o: InferBenchOptions) throws {
        let batches = o.batchSizeList
        let loaded = try load(o, context: o.promptTokens + o.decodeTokens)
        let model = loaded.model, c = model.config
        if o.dtype == "bfloat16" { model.storeMatricesBF16() }
        // nanochat clamps the prompt so prompt + decode fits the training context
        let promptLen = min(o.promptTokens, c.sequenceLen - o.decodeTokens)
        guard promptLen > 0 else {
            throw NanoChatError("--decode-tokens=\(o.decodeTokens): leaves no room for a prompt in sequence_len \(c.sequenceLen)")
        }
        if promptLen < o.promptTokens { print("note: clamping prompt to \(promptLen) tokens so prompt+decode fits sequence_len=\(c.sequenceLen)") }
        let prompt = Array(loaded.prompt.prefix(promptLen))
        let engine = Engine(model: model, tokenizer: loaded.tokenizer)

        let probe = measureReadBandwidth(), bandwidth = probe.bytesPerSecond
        let params = model.params.count, weightRead = model.matrixBytes
        let stored = model.weightBytes
        let contextMid = promptLen + o.decodeTokens / 2
        let kvStore = c.nLayer * c.nKvHead * c.headDim * 2 * 4, kvRead = kvReadBytes(c, context: contextMid)
        let ceiling = bandwidth / Double(weightRead + kvRead)
        let line = String(repeating: "=", count: 100)
        print(line)
        print("Model: \(loaded.label)\(loaded.step.map { " (step \($0))" } ?? "") | depth \(c.nLayer), dim \(c.nEmbd), heads \(c.nHead), kv heads \(c.nKvHead), vocab \(c.vocabSize)")
        print("CPU: \(Platform.cpuModel ?? "unknown") | \(Threads.count) threads | streaming read \(String(format: "%.1f", bandwidth / 1e9)) GB/s (measured now, best of 1–16 streams per thread: \(probe.streams))")
        print(String(repeating: "-", count: 100))
        print("Parameters: \(commas(params)) | matrices + lm_head in \(model.weightDType) | stored \(stored >> 20) MiB | read per decode step \(weightRead >> 20) MiB (matrices + lm_head)")
        print("KV cache: \(commas(kvStore)) bytes/token stored | \(commas(kvRead)) bytes read/step/row at context \(contextMid) (window pattern \(c.windowPattern))")
        print("Decode ceiling at batch 1: \(commas(Int(ceiling))) tok/s (bandwidth / bytes per step)")
        print(line)

        // prefill: batch 1, one decode step, so TTFT ≈ prefill; beside it the training forward on the same tokens
        _ = try generate(engine, prompt, rows: 1, tokens: 2, temperature: o.temperature)
        let prefill = try generate(engine, prompt, rows: 1, tokens: 2, temperature: o.temperature).ttft
        let flops = Double(promptLen) * c.flopsPerToken / 3   // forward only
        let targets = Array(prompt.dropFirst()) + [0]
        _ = model.perTokenLoss(inputs: prompt, targets: targets, B: 1, T: promptLen)
        let t0 = now()
        _ = model.perTokenLoss(inputs: prompt, targets: targets, B: 1, T: promptLen)
        let trainForward = now() - t0
        print(String(format: "Prefill (batch 1, %d tokens): %.0f tok/s | %.1f GFLOP/s | training forward %.1f GFLOP/s (prefill at %.0f%%)",
                     promptLen, Double(promptLen) / prefill, flops / prefill / 1e9, flops / trainForward / 1e9,
                     100 * trainForward / prefill))

        let header = "\("batch".leftPad(6)) \("TTFT ms".leftPad(9)) \("ms/token".leftPad(9)) \("tok/s".leftPad(10)) \("MB/step".leftPad(9)) \("GB/s".leftPad(7)) \("MBU %".leftPad(7)) \("steps".leftPad(6))"
        print(header)
        print(String(repeating: "-", count: header.count))
        var sweep: [JSONValue] = []
        for rows in batches {
            _ = try generate(engine, prompt, rows: rows, tokens: 8, temperature: o.temperature)   // warm-up
            let timers = o.profile ? PhaseTimers() : nil
            let r = try generate(engine, prompt, rows: rows, tokens: o.decodeTokens, temperature: o.temperature, timers: timers)
            guard !r.steps.isEmpty else { print("\(String(rows).leftPad(6))  every row stopped at once; skipped"); continue }
            let tpot = r.steps.sorted()[r.steps.count / 2]   // median step
            let tokPerSec = Double(rows * r.steps.count) / r.steps.reduce(0, +)
            let bytes = Double(weightRead + rows * kvRead)
            let mbu = 100 * bytes / tpot / bandwidth
            print("\(String(rows).leftPad(6)) \(String(format: "%.1f", r.ttft * 1e3).leftPad(9)) \(String(format: "%.2f", tpot * 1e3).leftPad(9)) "
                  + "\(String(format: "%.1f", tokPerSec).leftPad(10)) \(String(format: "%.1f", bytes / 1e6).leftPad(9)) "
                  + "\(String(format: "%.1f", bytes / tpot / 1e9).leftPad(7)) \(String(format: "%.1f", mbu).leftPad(7)) \(String(r.steps.count).leftPad(6))")
            if let timers { print(profileLine(timers, r)) }
            sweep.append(.object([("batch_size", .int(rows)), ("ttft_sec", .double(r.ttft)), ("tpot_sec", .double(tpot)),
                                  ("tok_per_sec", .double(tokPerSec)), ("bytes_per_step", .int(Int(bytes))),
                                  ("mbu_percent", .double(mbu)), ("decode_steps", .int(r.steps.count))]))
        }
        print(String(repeating: "-", count: header.count))
        let payload: JSONValue = .object([
            ("source", o.depth > 0 ? .string("random") : .string(o.checkpoint.source)), ("step", loaded.step.map { .int($0) } ?? .null),
            ("model_config", (try? JSONValue.encoding(c)) ?? .null), ("cpu", .string(Platform.cpuModel ?? "unknown")), ("threads", .int(Threads.count)),
            ("dtype", .string(o.dtype)), ("read_bandwidth_bytes_per_sec", .double(bandwidth)), ("read_bandwidth_streams", .int(probe.streams)), ("num_params", .int(params)),
            ("weight_bytes", .int(stored)), ("weight_read_bytes_per_step", .int(weightRead)),
            ("kv_bytes_per_token", .int(kvStore)), ("kv_read_bytes_per_step", .int(kvRead)), ("context_mid", .int(contextMid)),
            ("ceiling_bs1_tok_per_sec", .double(ceiling)), ("prompt_tokens", .int(promptLen)), ("decode_tokens", .int(o.decodeTokens)),
            ("temperature", .double(o.temperature)),
            ("prefill", .object([("tok_per_sec", .double(Double(promptLen) / prefill)), ("time_sec", .double(prefill)),
                                 ("gflops", .double(flops / prefill / 1e9)), ("train_forward_gflops", .double(flops / trainForward / 1e9))])),
            ("sweep", .array(sweep)),
        ])
        print(payload.serialized(indent: 0).replacingOccurrences(of: "\n", with: ""))
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
