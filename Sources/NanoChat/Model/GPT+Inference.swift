// The LanguageModel side of GPT (evals, sampling) and full logits for tests. These run the same
// forward without keeping gradients; B and T may differ from training (T up to 10·sequence_len).

extension GPT {
    public func perTokenLoss(inputs: [Int32], targets: [Int32], B: Int, T: Int) -> [Float] {
        lossAndMaybeArgmax(inputs: inputs, targets: targets, B: B, T: T, argmax: false).loss
    }

    public func lossAndArgmax(inputs: [Int32], targets: [Int32], B: Int, T: Int) -> (loss: [Float], argmax: [Int32]) {
        lossAndMaybeArgmax(inputs: inputs, targets: targets, B: B, T: T, argmax: true)
    }

    private func lossAndMaybeArgmax(inputs: [Int32], targets: [Int32], B: Int, T: Int, argmax: Bool) -> (loss: [Float], argmax: [Int32]) {
        precondition(inputs.count == B * T && targets.count == B * T, "GPT: inputs/targets must have B·T entries")
        let N = B * T
        let a = inputs.withUnsafeBufferPointer { forwardTrunk($0.baseAddress!, B: B, T: T) }
        var out = HeadOutputs()
        out.losses = a.losses
        if argmax { out.argmax = a.argmax }
        targets.withUnsafeBufferPointer { tb in
            lmHeadForward(out, a.xnf, headWeights(scratch: a.widen), tb.baseAddress!, N, config.nEmbd, config.vocabSize,
                          chunk: a.headChunk, rows: a.headRows,
                      scratch: a.headScratch, workers: a.headWorkers)
        }
        let loss = Array(UnsafeBufferPointer(start: a.losses, count: N))
        let am = argmax ? Array(UnsafeBufferPointer(start: a.argmax, count: N)) : []
        return (loss, am)
    }

    public func lastLogits(inputs: [Int32], B: Int, T: Int) -> [Float] {
        precondition(inputs.count == B * T, "GPT.lastLogits: inputs must have B·T entries")
        let C = config.nEmbd, V = config.vocabSize
        let a = inputs.withUnsafeBufferPointer { forwardTrunk($0.baseAddress!, B: B, T: T) }
        for b in 0..<B { (a.tmp + b * C).update(from: a.xnf + (b * T + T - 1) * C, count: C) }
        var result = [Float](repeating: 0, count: B * V)
        result.withUnsafeMutableBufferPointer { rb in
            var out = HeadOutputs()
            out.logits = rb.baseAddress!
            lmHeadForward(out, a.tmp, headWeights(scratch: a.widen), nil, B, C, V, chunk: a.headChunk, rows: a.headRows,
                      scratch: a.headScratch, workers: a.headWorkers)
        }
        return result
    }

    /// Softcapped logits for every position, [B, T, V] (tests; materializes everything).
    public func logits(inputs: [Int32], B: Int, T: Int) -> [Float] {
        precondition(inputs.count == B * T, "GPT.logits: inputs must have B·T entries")
        let a = inputs.withUnsafeBufferPointer { forwardTrunk($0.baseAddress!, B: B, T: T) }
        var result = [Float](repeating: 0, count: B * T * config.vocabSize)
        result.withUnsafeMutableBufferPointer { rb in
            var out = HeadOutputs()
            out.logits = rb.baseAddress!
            lmHeadForward(out, a.xnf, headWeights(scratch: a.widen), nil, B * T, config.nEmbd, config.vocabSize,
                          chunk: a.headChunk, rows: a.headRows,
                      scratch: a.headScratch, workers: a.headWorkers)
        }
        return result
    }
}
