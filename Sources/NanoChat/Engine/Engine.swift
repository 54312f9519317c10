import Foundation

/// nanochat's Engine: generation with a KV cache (batch-1 prefill of the prompt, the cache replicated over
/// the samples, then one token per step for every row), sampling, and the calculator tool. An Engine
/// holds no model state of its own beyond its decoding states, so many Engines (a server's slots) can
/// share one read-only GPT.
public final class Engine {
    public let model: InferenceModel
    public let tokenizer: TextTokenizer
    let special: SpecialTokens

    /// The special tokens the decode loop acts on (nil when the tokenizer has none: no tool use, and only
    /// `<|bos|>` ends a row).
    struct SpecialTokens {
        let bos: Int32
        let assistantEnd, pythonStart, pythonEnd, outputStart, outputEnd: Int32?
    }

    public init(model: InferenceModel, tokenizer: TextTokenizer) {
        self.model = model
        self.tokenizer = tokenizer
        special = SpecialTokens(bos: tokenizer.bosId,
                                assistantEnd: tokenizer.specialId("<|assistant_end|>"),
                                pythonStart: tokenizer.specialId("<|python_start|>"),
                                pythonEnd: tokenizer.specialId("<|python_end|>"),
                                outputStart: tokenizer.specialId("<|output_start|>"),
                                outputEnd: tokenizer.specialId("<|output_end|>"))
    }

    /// One row's decoding state (nanochat's RowState): forced tokens waiting (calculator output), whether
    /// it is inside a `<|python_start|>` block and the expression tokens collected there.
    struct RowState {
        var forced: [Int32] = []
        var inPython = false
        var expression: [Int32] = []
        var completed = false
    }

    /// Streams token columns: for each step, one token per row and its mask (1 = sampled, 0 = forced by
    /// the tool). `onColumn` returns false to stop early (a closed connection, Ctrl-C). Stops after
    /// `maxTokens` columns or when every row has produced `<|assistant_end|>` or `<|bos|>`.
    /// - Parameters:
    ///   - tokens: the prompt (at least one token), the same for every row.
    ///   - temperature: 0 = greedy (argmax); `topK` nil or 0 = no top-k restriction.
    ///   - seed: the sampling RNG's seed; the same seed gives the same tokens.
    public func generate(tokens: [Int32], numSamples: Int = 1, maxTokens: Int, temperature: Double = 1.0,
                         topK: Int? = nil, seed: UInt64 = 42,
                         onColumn: (_ tokens: [Int32], _ mask: [UInt8]) throws -> Bool) throws {
        guard !tokens.isEmpty else { throw NanoChatError("generate: the prompt is empty") }
        guard numSamples > 0 else { throw NanoChatError("generate: num_samples must be positive, got \(numSamples)") }
        guard maxTokens >= 0 else { throw NanoChatError("generate: max_tokens must be ≥ 0, got \(maxTokens)") }
        guard temperature >= 0, temperature.isFinite else { throw NanoChatError("generate: temperature must be ≥ 0, got \(temperature)") }
        let limit = model.config.rotaryLimit
        guard tokens.count + maxTokens <= limit else {
            throw NanoChatError("generate: prompt (\(tokens.count)) + max_tokens (\(maxTokens)) exceeds the model's limit of \(limit) positions")
        }
        if maxTokens == 0 { return }
        var rng = RNG(seed: seed)
        let V = model.config.vocabSize
        // greedy rows take the argmax the model's head found in its pass over the logits
        let greedy = temperature <= 0
        func feed(_ s: DecodeState, _ t: [Int32], count: Int) throws -> (logits: [Float], argmax: [Int32]?) {
            if greedy { return try s.feedWithArgmax(t, count: count, positions: nil) }
            return (try s.feed(t, count: count, positions: nil), nil)
        }
        // 1) batch-1 prefill; 2) the cache replicated over the rows
        let prefill = try model.makeDecodeState(rows: 1, capacity: tokens.count)
        let first = try feed(prefill, tokens, count: tokens.count)
        let state = numSamples == 1 && maxTokens == 1 ? prefill
            : try prefill.replicated(rows: numSamples, capacity: tokens.count + maxTokens)
        var logits = [Float](), picks = first.argmax.map { [Int32](repeating: $0[0], count: numSamples) }
        for _ in 0..<numSamples { logits += first.logits }
        var rows = [RowState](repeating: RowState(), count: numSamples)
        for step in 0..<maxTokens {
            if rows.allSatisfy(\.completed) { break }
            var column = [Int32](repeating: 0, count: numSamples), mask = [UInt8](repeating: 1, count: numSamples)
            logits.withUnsafeBufferPointer { lb in
                for r in 0..<numSamples {
                    if !rows[r].forced.isEmpty {
                        column[r] = rows[r].forced.removeFirst(); mask[r] = 0
                    } else {
                        column[r] = picks?[r] ?? sampleNextToken(UnsafeBufferPointer(rebasing: lb[(r * V)..<((r + 1) * V)]),
                                                                 temperature: temperature, topK: topK, rng: &rng)
                    }
                }
            }
            for r in 0..<numSamples { advance(&rows[r], with: column[r]) }
            guard try onColumn(column, mask) else { return }
            if step + 1 < maxTokens && !rows.allSatisfy(\.completed) {
                (logits, picks) = try feed(state, column, count: 1)
            }
        }
    }

    /// The row state machine after choosing `token`: end of row, python block bookkeeping, and at
    /// `<|python_end|>` the calculator, whose result is forced as `<|output_start|>`…`<|output_end|>`.
    func advance(_ row: inout RowState, with token: Int32) {
        let s = special
        if token == s.assistantEnd || token == s.bos { row.completed = true }
        if token == s.pythonStart {
            row.inPython = true; row.expression = []
        } else if token == s.pythonEnd && row.inPython {
            row.inPython = false
            if !row.expression.isEmpty, let result = Calculator.evaluate(tokenizer.decode(row.expression)),
               let open = s.outputStart, let close = s.outputEnd {
                row.forced += [open] + tokenizer.encodeOrdinary(result) + [close]
            }
            row.expression = []
        } else if row.inPython {
            row.expression.append(token)
        }
    }

    /// nanochat's generate_batch: every row's prompt + generated tokens (without the terminal token) and
    /// masks (0 for the prompt and forced tokens).
    public func generateBatch(tokens: [Int32], numSamples: Int = 1, maxTokens: Int, temperature: Double = 1.0,
                              topK: Int? = nil, seed: UInt64 = 42) throws -> (results: [[Int32]], masks: [[UInt8]]) {
        var results = [[Int32]](repeating: tokens, count: numSamples)
        var masks = [[UInt8]](repeating: [UInt8](repeating: 0, count: tokens.count), count: numSamples)
        var done = [Bool](repeating: false, count: numSamples)
        try generate(tokens: tokens, numSamples: numSamples, maxTokens: maxTokens, temperature: temperature,
                     topK: topK, seed: seed) { column, mask in
            for r in 0..<numSamples where !done[r] {
                if column[r] == special.assistantEnd || column[r] == special.bos {
                    done[r] = true
                } else {
                    results[r].append(column[r]); masks[r].append(mask[r])
                }
            }
            return !done.allSatisfy { $0 }
        }
        return (results, masks)
    }

    /// One batched forward without sampling (chat_eval's categorical tasks): the rows are padded on the
    /// right with `<|bos|>` to the longest, and the logits at `positions[r]` of row r are returned,
    /// [rows][vocabSize].
    public func logits(rows: [[Int32]], positions: [Int]) throws -> [[Float]] {
        guard !rows.isEmpty, rows.count == positions.count else {
            throw NanoChatError("logits: need one position per row (\(rows.count) rows, \(positions.count) positions)")
        }
        let T = rows.map(\.count).max()!
        guard T > 0 else { throw NanoChatError("logits: every row is empty") }
        var flat: [Int32] = []
        flat.reserveCapacity(rows.count * T)
        for (r, row) in rows.enumerated() {
            guard positions[r] >= 0 && positions[r] < row.count else {
                throw NanoChatError("logits: position \(positions[r]) is outside row \(r) of \(row.count) tokens")
            }
            flat += row + [Int32](repeating: special.bos, count: T - row.count)
        }
        let state = try model.makeDecodeState(rows: rows.count, capacity: T)
        let out = try state.feed(flat, count: T, positions: positions.enumerated().map { $0.offset * T + $0.element })
        let V = model.config.vocabSize
        return (0..<rows.count).map { Array(out[($0 * V)..<(($0 + 1) * V)]) }
    }
}
