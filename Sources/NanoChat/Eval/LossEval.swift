import Foundation

/// Bits per byte (nanochat/loss_eval.py: evaluate_bpb): a tokenizer-independent loss. Σ target nats over targets
/// whose token has bytes > 0 (special tokens like BOS and ignored targets don't count), divided by
/// ln 2 · Σ bytes. Nats accumulate like nanochat's fp32 `total_nats` tensor: each batch's sum (taken in
/// Double, then rounded to Float as torch's fp32 reduction nearly is) is added to a Float accumulator.
public struct BPBAccumulator {
    public var nats: Float = 0
    public var bytes: Int = 0
    public init() {}

    public mutating func add(losses: [Float], targets: [Int32], tokenBytes: [Int32]) {
        var s = 0.0, b = 0
        for i in 0..<targets.count {
            let y = Int(targets[i])
            guard y >= 0 && y < tokenBytes.count else { continue }
            let nb = Int(tokenBytes[y])
            if nb > 0 { s += Double(losses[i]); b += nb }
        }
        nats += Float(s)
        bytes += b
    }

    /// Sums over ranks (none when `dist` is nil), then `nats / (ln 2 · bytes)` (inf when there are no bytes).
    public func bpb(dist: Distributed?) -> Double {
        var n: [Float] = [nats]
        var b: [Double] = [Double(bytes)]
        if let dist {
            n.withUnsafeMutableBufferPointer { dist.allReduceSum($0) }
            b.withUnsafeMutableBufferPointer { dist.allReduceSum($0) }
        }
        if b[0] == 0 { return .infinity }
        return Double(n[0]) / (log(2.0) * b[0])
    }
}

public enum LossEval {
    /// nanochat's `evaluate_bpb(model, batches, steps, token_bytes)`: `steps` batches of `[B, T]`
    /// (inputs, targets) from `next` (e.g. a `DataLoader`'s next()), all-reduced over ranks.
    /// `onStep(i)` runs after step i (1-based) for progress.
    public static func bitsPerByte(model: LanguageModel, tokenBytes: [Int32], steps: Int, B: Int, T: Int,
                                   dist: Distributed, onStep: (Int) -> Void = { _ in },
                                   next: () throws -> (inputs: [Int32], targets: [Int32])) throws -> Double {
        var acc = BPBAccumulator()
        for step in 0..<steps {
            let (x, y) = try next()
            guard x.count == B * T, y.count == B * T else {
                throw NanoChatError("bits per byte: batch of \(x.count)/\(y.count) tokens, expected B·T = \(B * T)")
            }
            acc.add(losses: model.perTokenLoss(inputs: x, targets: y, B: B, T: T), targets: y, tokenBytes: tokenBytes)
            onStep(step + 1)
        }
        return acc.bpb(dist: dist)
    }

    /// Bits per byte of one text treated as one document: tokens `[BOS] + encode(text)`, cut into windows of
    /// T+1 tokens with stride T (each window predicts its last T tokens from the ones before; a last shorter
    /// window is evaluated too if it has at least 2 tokens). Full windows go `batchSize` rows per forward.
    /// Single process (no all-reduce). Returns bpb and the number of tokens (BOS included).
    /// `onTokens(done, total)` reports the predicted tokens scored so far, for progress.
    public static func bitsPerByte(ofText text: String, model: LanguageModel, tokenizer: TextTokenizer,
                                   T: Int, batchSize: Int = 1,
                                   onTokens: (_ done: Int, _ total: Int) -> Void = { _, _ in }) -> (bpb: Double, tokens: Int) {
        let tokens = [tokenizer.bosId] + tokenizer.encodeOrdinary(text)
        let predicted = max(0, tokens.count - 1)
        let tb = tokenizer.tokenBytes
        var acc = BPBAccumulator()
        var windows: [Int] = [] // start offsets of full windows
        var start = 0
        while start + T + 1 <= tokens.count { windows.append(start); start += T }
        var w = 0
        while w < windows.count {
            let rows = min(max(1, batchSize), windows.count - w)
            var x = [Int32](), y = [Int32]()
            x.reserveCapacity(rows * T); y.reserveCapacity(rows * T)
            for r in 0..<rows {
                let s = windows[w + r]
                x += tokens[s..<(s + T)]; y += tokens[(s + 1)...(s + T)]
            }
            acc.add(losses: model.perTokenLoss(inputs: x, targets: y, B: rows, T: T), targets: y, tokenBytes: tb)
            w += rows
            onTokens(w * T, predicted)
        }
        let rest = tokens.count - start
        if rest >= 2 {
            let x = Array(tokens[start..<(tokens.count - 1)]), y = Array(tokens[(start + 1)...])
            acc.add(losses: model.perTokenLoss(inputs: x, targets: y, B: 1, T: rest - 1), targets: y, tokenBytes: tb)
        }
        onTokens(predicted, predicted)
        return (acc.bpb(dist: nil), tokens.count)
    }
}
