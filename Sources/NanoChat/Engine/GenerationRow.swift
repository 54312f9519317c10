import Foundation

/// One request's row in the decode loop (chat_cli's answer, one choice of a server request): its prompt,
/// sampling, stop rule, calculator state, text stream and KV cache. The decode loop feeds it and calls
/// `accept(logits:)`; the row samples, runs nanochat's tool state machine, stops, and reports pieces.
public final class GenerationRow {
    public struct Request {
        public var prompt: [Int32]
        /// Most tokens to generate (0: only score the prompt).
        public var maxTokens: Int
        public var sampling: SamplingOptions
        public var seed: UInt64
        /// Text that ends the reply (not included in it).
        public var stop: [String] = []
        /// Report each generated token's log-prob and this many alternatives (nil: none).
        public var logprobs: Int? = nil
        /// Score the prompt too: the log-prob of every prompt token after the first (`echo` + `logprobs`).
        public var promptLogprobs = false
        public init(prompt: [Int32], maxTokens: Int, sampling: SamplingOptions, seed: UInt64) {
            self.prompt = prompt; self.maxTokens = maxTokens; self.sampling = sampling; self.seed = seed
        }
    }

    /// One generated token and the text it completed (possibly "": a character still incomplete, or text
    /// held back because it may begin a stop string).
    public struct Piece {
        public var text: String
        public var token: Int32?
        public var logprob: Float?
        public var top: [(token: Int32, logprob: Float)] = []
    }

    public enum Finish: String { case stop, length, cancelled }

    public let request: Request
    /// Called for each piece; return false to stop (the client left, Ctrl-C).
    let onPiece: (Piece) -> Bool
    public private(set) var generated: [Int32] = []
    public private(set) var finish: Finish?
    /// With `promptLogprobs`: per prompt position, the token's log-prob given what precedes it (nil for the first).
    public private(set) var promptScores: [(token: Int32, logprob: Float?, top: [(token: Int32, logprob: Float)])] = []

    var cache: KVCache?
    var pending: [Int32]
    private var rng: RNG
    private var tool = Engine.RowState()
    private var counts: [Int32: Int] = [:]
    private var stream = TextStream()
    private var stopText: StopText

    public init(_ request: Request, onPiece: @escaping (Piece) -> Bool) {
        self.request = request; self.onPiece = onPiece
        pending = request.prompt
        rng = RNG(seed: request.seed)
        stopText = StopText(request.stop)
    }

    public var isFinished: Bool { finish != nil }

    /// Stops the row from outside (a departed client).
    public func cancel() { if finish == nil { finish = .cancelled; cache = nil } }

    /// The row's next forward input: its prompt the first time, then its last token.
    func next(model: GPT) throws -> RaggedRow? {
        guard finish == nil, !pending.isEmpty else { return nil }
        if cache == nil {
            let limit = 10 * model.config.sequenceLen
            guard request.prompt.count + request.maxTokens <= limit else {
                throw NanoChatError("generate: prompt (\(request.prompt.count)) + max_tokens (\(request.maxTokens)) exceeds the model's limit of \(limit) positions")
            }
            cache = try KVCache(config: model.config, rows: 1, capacity: request.prompt.count + max(1, request.maxTokens))
        }
        let all = request.promptLogprobs && cache!.length == 0
        return RaggedRow(cache: cache!, tokens: pending, allLogits: all)
    }

    /// Greedy without penalties in force: the next token is the logits' first argmax.
    var picksArgmax: Bool { request.sampling.temperature <= 0 && (!request.sampling.hasPenalties || counts.isEmpty) }

    /// Takes the forward's logits for the fed tokens ([1 or prompt.count, V]) and produces the next token;
    /// `argmax` is the last row's first argmax when the forward found it (used when `picksArgmax`).
    func accept(logits: [Float], argmax: Int32? = nil, engine: Engine) {
        let V = engine.model.config.vocabSize
        var last = logits
        if logits.count > V {   // the prompt's scores: position t predicts token t+1
            let T = logits.count / V, want = request.logprobs ?? 0
            promptScores = [(request.prompt[0], nil, [])]
            for t in 0..<(T - 1) {
                let lp = logits.withUnsafeBufferPointer { logSoftmax(UnsafeBufferPointer(rebasing: $0[(t * V)..<((t + 1) * V)])) }
                let tok = request.prompt[t + 1]
                promptScores.append((tok, lp[Int(tok)], topLogprobs(lp, count: want)))
            }
            last = Array(logits[((T - 1) * V)...])
        }
        pending = []
        if generated.count >= request.maxTokens { end(.length); return }
        let token: Int32
        if !tool.forced.isEmpty {
            token = tool.forced.removeFirst()
        } else if let argmax, picksArgmax {
            token = argmax
        } else {
            token = last.withUnsafeBufferPointer { sampleNextToken($0, options: request.sampling, counts: counts, rng: &rng) }
        }
        var piece = Piece(text: "", token: token)
        if let k = request.logprobs {
            let lp = last.withUnsafeBufferPointer { logSoftmax($0) }
            piece.logprob = lp[Int(token)]; piece.top = topLogprobs(lp, count: k)
        }
        engine.advance(&tool, with: token)
        if token == engine.special.assistantEnd || token == engine.special.bos { end(.stop); return }
        generated.append(token); counts[token, default: 0] += 1
        let (text, stopped) = stopText.push(stream.push(Self.bytes(of: token, engine.tokenizer)))
        piece.text = text
        guard onPiece(piece) else { finish = .cancelled; cache = nil; return }
        if stopped { finish = .stop; cache = nil; return }
        if generated.count >= request.maxTokens { end(.length); return }
        pending = [token]
    }

    static func bytes(of token: Int32, _ tokenizer: TextTokenizer) -> [UInt8] {
        (tokenizer as? Tokenizer)?.decodeBytes([token]) ?? Array(tokenizer.decode([token]).utf8)
    }

    /// Ends the row, releasing any text still held back.
    private func end(_ reason: Finish) {
        let rest = stopText.push(stream.flush())
        let tail = rest.text + (rest.stopped ? "" : stopText.flush())
        if !tail.isEmpty && !onPiece(Piece(text: tail)) { finish = .cancelled } else { finish = rest.stopped ? .stop : reason }
        cache = nil
    }
}

/// The generate → stop → stream loop that chat_cli and chat_web share: every step feeds all unfinished
/// rows together (new rows their prompt, the others their last token) in one ragged forward, then each
/// row samples and streams. Rows may join between steps (the server's continuous batching).
public final class DecodeLoop {
    public let engine: Engine
    let model: GPT
    private var buffers: InferenceBuffers?

    public init(engine: Engine) throws {
        guard let gpt = engine.model as? GPT else { throw NanoChatError("decode loop: needs a GPT with a KV cache") }
        self.engine = engine; model = gpt
    }

    /// One step over `rows` (finished ones are skipped). A row whose input is refused (too long) ends cancelled.
    public func step(_ rows: [GenerationRow]) throws {
        var active: [GenerationRow] = [], inputs: [RaggedRow] = []
        for row in rows {
            guard let input = try row.next(model: model) else { continue }
            active.append(row); inputs.append(input)
        }
        guard !inputs.isEmpty else { return }
        // when a row decodes greedily, the head's pass also finds each row's argmax
        let greedy = active.contains { $0.picksArgmax }
        var picks = [Int32](repeating: 0, count: active.count)
        let logits = try picks.withUnsafeMutableBufferPointer { pb in
            try model.forwardRagged(inputs, buffers: &buffers, argmax: greedy ? pb.baseAddress! : nil)
        }
        for (i, (row, l)) in zip(active, logits).enumerated() { row.accept(logits: l, argmax: greedy ? picks[i] : nil, engine: engine) }
    }

    /// Runs rows to the end.
    public func run(_ rows: [GenerationRow]) throws {
        while rows.contains(where: { !$0.isFinished }) { try step(rows) }
    }
}
