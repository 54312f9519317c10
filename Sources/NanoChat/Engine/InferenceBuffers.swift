// Scratch for one inference forward over N = rows·new-tokens positions, owned by whoever decodes (an
// Engine, a server slot), so several of them can share one read-only GPT. Only one layer's activations
// are alive at a time: nothing is kept for a backward pass. Grow-only.

final class InferenceBuffers {
    let capacity: Int   // rows (N)
    private let blocks: AlignedBlocks
    let idx: UnsafeMutablePointer<Int32>                       // [N]
    let xe, x0, x, xn, tmp, backout: UnsafeMutablePointer<Float> // [N, C]
    let h: UnsafeMutablePointer<Float>                         // [N, 4C]
    let q, y: UnsafeMutablePointer<Float>                      // [N, H·D]
    let k, v: UnsafeMutablePointer<Float>                      // [N, Hkv·D]
    let rstd, lse: UnsafeMutablePointer<Float>                 // [N·H]
    let gate, sig: UnsafeMutablePointer<Float>                 // [N·Hkv], [N]
    let positions: UnsafeMutablePointer<Int>                   // [N] each token's position in its sequence
    let headChunk, headScratch: UnsafeMutablePointer<Float>
    let attention: AttentionScratch   // prefill scores, one slice per worker
    let widen: UnsafeMutablePointer<Float>                     // [widenScratchCount] bf16 matrices widened for sgemm (unwritten in fp32)
    let headRows, headWorkers: Int

    init(config c: GPTConfig, rows N: Int) {
        capacity = N
        let C = c.nEmbd, H = c.nHead, Hkv = c.nKvHead, D = c.headDim, V = c.vocabSize
        let blocks = AlignedBlocks()
        self.blocks = blocks
        func f(_ n: Int) -> UnsafeMutablePointer<Float> { blocks.floats(n) }
        idx = blocks.alloc(N, Int32.self)
        positions = blocks.alloc(N, Int.self)
        xe = f(N * C); x0 = f(N * C); x = f(N * C); xn = f(N * C); tmp = f(N * C); backout = f(N * C)
        h = f(N * 4 * C)
        q = f(N * H * D); y = f(N * H * D); k = f(N * Hkv * D); v = f(N * Hkv * D)
        rstd = f(N * H); lse = f(N * H); gate = f(N * Hkv); sig = f(N)
        // a block of queries reaches its own keys plus at most `left` earlier ones
        let maxLeft = c.windowSizes.max() ?? c.sequenceLen
        let sc = attentionScratchCount(T: maxLeft, left: maxLeft)
        attention = AttentionScratch(scores: f(Threads.count * sc), grads: nil, count: sc, workers: Threads.count)
        headRows = headChunkRows(V: V)
        headChunk = f(min(headRows, N) * V)
        headWorkers = max(1, Threads.count)
        headScratch = f(headWorkers * V)
        widen = blocks.unwrittenFloats(widenScratchCount)
    }
}
