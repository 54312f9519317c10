// Every activation buffer for a forward/backward at N = B·T rows, allocated once. A request for more
// rows reallocates (grow-only); a training step at a fixed (B, T) allocates nothing.

final class Activations {
    let capacity: Int   // rows (B·T)
    private let blocks: AlignedBlocks

    // whole-model buffers, [N, C] unless noted
    let idx: UnsafeMutablePointer<Int32>          // [N] copy of the inputs (backward needs them)
    let emb, xe, rstdE, smearSig, x0: UnsafeMutablePointer<Float>   // rstdE, smearSig: [N]
    let xnf, rstdf, losses: UnsafeMutablePointer<Float>             // rstdf, losses: [N]
    let argmax: UnsafeMutablePointer<Int32>       // [N]
    // scratch shared by all layers
    let xa, tmp, act: UnsafeMutablePointer<Float>                   // act: [N, 4C]
    let dxnf, dxf, dres, dx0, dxn, dy, dq, dk, dv, dqr, dkr: UnsafeMutablePointer<Float>
    let headChunk, headScratch: UnsafeMutablePointer<Float>
    let attention: AttentionScratch                 // scores and their gradients, one slice per worker
    let gateScratch: UnsafeMutablePointer<Float>    // [max(2, Hkv)·N] smear / value-embedding gate gradients
    let widen: UnsafeMutablePointer<Float>          // [widenScratchCount] bf16 matrices widened for sgemm (unwritten in fp32)
    let headRows, headWorkers: Int
    // per layer: res[l] = input of layer l (res[0] = x0), res[L] = output of the last block
    let res: [UnsafeMutablePointer<Float>]
    let xn1, rstd1, q, rstdq, k, rstdk, v, gate, y, lse, xn2, rstd2, h: [UnsafeMutablePointer<Float>]

    init(config c: GPTConfig, rows N: Int, headChunkBudget: Int = defaultHeadChunkBudget) {
        capacity = N
        let C = c.nEmbd, H = c.nHead, Hkv = c.nKvHead, D = c.headDim, L = c.nLayer, V = c.vocabSize
        let blocks = AlignedBlocks()
        self.blocks = blocks
        func f(_ n: Int) -> UnsafeMutablePointer<Float> { blocks.floats(n) }
        func i32(_ n: Int) -> UnsafeMutablePointer<Int32> { blocks.alloc(n, Int32.self) }
        idx = i32(N); argmax = i32(N)
        emb = f(N * C); xe = f(N * C); rstdE = f(N); smearSig = f(N); x0 = f(N * C)
        xnf = f(N * C); rstdf = f(N); losses = f(N)
        xa = f(N * C); tmp = f(N * C); act = f(N * 4 * C)
        dxnf = f(N * C); dxf = f(N * C); dres = f(N * C); dx0 = f(N * C); dxn = f(N * C)
        dy = f(N * H * D); dq = f(N * H * D); dk = f(N * Hkv * D); dv = f(N * Hkv * D)
        dqr = f(N * H * D); dkr = f(N * Hkv * D)
        // keys a query block can reach: its window, which may exceed sequenceLen (S windows round up to 128)
        let maxLeft = c.windowSizes.max() ?? c.sequenceLen
        let sc = attentionScratchCount(T: maxLeft, left: maxLeft)
        let attnWorkers = max(1, Threads.count)
        attention = AttentionScratch(scores: f(attnWorkers * sc), grads: f(attnWorkers * sc), count: sc, workers: attnWorkers)
        gateScratch = f(max(2, Hkv) * N)
        widen = blocks.unwrittenFloats(widenScratchCount)
        headRows = headChunkRows(V: V, budget: headChunkBudget)
        headChunk = f(headRows * V)
        headWorkers = max(1, Threads.count)
        headScratch = f(headWorkers * V)
        var res = [x0]
        var xn1: [UnsafeMutablePointer<Float>] = [], rstd1 = xn1, q = xn1, rstdq = xn1, k = xn1, rstdk = xn1
        var v = xn1, gate = xn1, y = xn1, lse = xn1, xn2 = xn1, rstd2 = xn1, h = xn1
        for l in 0..<L {
            res.append(f(N * C))
            xn1.append(f(N * C)); rstd1.append(f(N))
            q.append(f(N * H * D)); rstdq.append(f(N * H))
            k.append(f(N * Hkv * D)); rstdk.append(f(N * Hkv))
            v.append(f(N * Hkv * D)); gate.append(c.hasValueEmbed(l) ? f(N * Hkv) : f(1))
            y.append(f(N * H * D)); lse.append(f(N * H))
            xn2.append(f(N * C)); rstd2.append(f(N)); h.append(f(N * 4 * C))
        }
        self.res = res; self.xn1 = xn1; self.rstd1 = rstd1; self.q = q; self.rstdq = rstdq; self.k = k
        self.rstdk = rstdk; self.v = v; self.gate = gate; self.y = y; self.lse = lse; self.xn2 = xn2
        self.rstd2 = rstd2; self.h = h
    }
}
