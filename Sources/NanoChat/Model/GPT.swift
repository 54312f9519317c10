import Foundation

/// nanochat's GPT (HEAD, nanochat/gpt.py) in fp32, llm.c style: one flat parameter buffer, one flat gradient buffer,
/// hand-written forward/backward layer functions (Layers/), activations allocated once per B·T.
///
/// Notable features (as in nanochat's gpt.py): rotary embeddings (base 100000, split halves), QK-norm
/// ×1.2, parameter-free RMSNorm, untied wte/lm_head, ReLU² MLP, GQA, sliding windows, value embeddings
/// with 3·sigmoid gates, smear, per-layer resid/x0 lambdas, backout, logit softcap 15.
public final class GPT: LanguageModel {
    public let config: GPTConfig
    public let layout: ParameterLayout
    public let params: FlatBuffer
    /// Made on first use (training): inference tools never touch it, and at d12 it is 1.1 GB of zeroed pages.
    public private(set) lazy var grads = FlatBuffer(count: layout.totalCount)

    let rope: RotaryTables
    let windows: [Int]
    var acts: Activations?
    /// ∂(mean loss)/∂lm_head from the last training forward (the fused head computes it there).
    var lmHeadGrad: FlatBuffer?
    var lastB = 0, lastT = 0, lastTrained = false
    /// Laps of the training forward/backward by kind of work (nil: not timed). TrainStep sets it.
    public var timers: PhaseTimers?
    /// Logits per lm-head chunk (rows = budget / V, 16...1024): a benchmark knob, per model.
    public var headChunkBudget = defaultHeadChunkBudget { didSet { acts = nil } }
    /// The matrices and lm_head rounded to bf16, indexed like `params`, whose fp32 pages are then released
    /// (nil: fp32; set by `storeMatricesBF16`).
    public internal(set) var weights16: BF16Buffer?

    struct LayerParams { let q, k, v, proj, fc, mproj: Int; let veGate, ve: Int? }
    let lp: [LayerParams]
    let oWte, oLm, oResid, oX0, oSmearL, oBackoutL, oSmearGate: Int

    public init(config: GPTConfig) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config: config)
        params = FlatBuffer(count: layout.totalCount)
        rope = RotaryTables(headDim: config.headDim, rows: config.rotaryLimit)
        windows = config.windowSizes
        let lay = layout
        func o(_ n: String) -> Int { lay.entry(n).offset }
        lp = (0..<config.nLayer).map { i in
            let p = "transformer.h.\(i)."
            let ve = config.hasValueEmbed(i)
            return LayerParams(q: o(p + "attn.c_q.weight"), k: o(p + "attn.c_k.weight"), v: o(p + "attn.c_v.weight"),
                               proj: o(p + "attn.c_proj.weight"), fc: o(p + "mlp.c_fc.weight"),
                               mproj: o(p + "mlp.c_proj.weight"), veGate: ve ? o(p + "attn.ve_gate.weight") : nil,
                               ve: ve ? o("value_embeds.\(i).weight") : nil)
        }
        oWte = o("transformer.wte.weight"); oLm = o("lm_head.weight"); oResid = o("resid_lambdas")
        oX0 = o("x0_lambdas"); oSmearL = o("smear_lambda"); oBackoutL = o("backout_lambda")
        oSmearGate = o("smear_gate.weight")
    }

    /// Zeroes the gradient buffer (in parallel: at d4 it is ~150 MB, mostly the embedding tables).
    public func zeroGrad() {
        let p = grads.ptr, n = grads.count
        timers?.start()
        Threads.parallelFor(n, minChunk: 1 << 20) { r in (p + r.lowerBound).update(repeating: 0, count: r.count) }
        timers?.lap(.zeroGrad)
    }

    /// Activation buffers for at least N rows (grow-only).
    func activations(rows N: Int) -> Activations {
        if let a = acts, a.capacity >= N { return a }
        acts = nil   // free the old set before allocating the bigger one
        let a = Activations(config: config, rows: N, headChunkBudget: headChunkBudget)
        acts = a
        return a
    }

    // MARK: - Forward

    /// Everything up to the final norm: fills a.xnf [N, C] and the per-layer activations.
    func forwardTrunk(_ inputs: UnsafePointer<Int32>, B: Int, T: Int) -> Activations {
        precondition(B > 0 && T > 0, "GPT.forward: B and T must be positive")
        precondition(T <= config.rotaryLimit, "GPT.forward: T=\(T) exceeds 10·sequence_len (rotary table)")
        let c = config, N = B * T, C = c.nEmbd, H = c.nHead, Hkv = c.nKvHead, D = c.headDim, L = c.nLayer
        let Vp = c.paddedVocab
        for n in 0..<N { precondition(inputs[n] >= 0 && Int(inputs[n]) < Vp, "GPT.forward: token id \(inputs[n]) out of range") }
        let a = activations(rows: N)
        a.idx.update(from: inputs, count: N)
        let P = params.ptr, matrices = matrixSource(scratch: a.widen)
        lastB = B; lastT = T; lastTrained = false
        let tm = timers
        tm?.start()

        embeddingForward(a.emb, a.idx, P + oWte, N, C)
        rmsnormForward(a.xe, a.rstdE, a.emb, N, C)
        smearForward(a.x0, a.smearSig, a.xe, P + oSmearGate, P[oSmearL], B, T, C)
        rope.cos.withUnsafeBufferPointer { cosb in
        rope.sin.withUnsafeBufferPointer { sinb in
            let cosT = cosb.baseAddress!, sinT = sinb.baseAddress!
            for l in 0..<L {
                let w = lp[l]
                residualMixForward(a.xa, a.res[l], a.x0, P[oResid + l], P[oX0 + l], N * C)
                // attention
                attentionInputs(layer: l, AttentionInputBuffers(xn: a.xn1[l], rstd: a.rstd1[l], q: a.q[l], k: a.k[l], v: a.v[l],
                                                                gate: a.gate[l], rstdq: a.rstdq[l], rstdk: a.rstdk[l]),
                                a.xa, a.idx, B: B, T: T, positions: nil, cosT, sinT, matrices, timers: tm)
                attentionForward(a.y[l], a.lse[l], a.q[l], a.k[l], a.v[l], B, T, H, Hkv, D, left: windows[l], scratch: a.attention)
                tm?.lap(.fwdAttention)
                linearForward(a.y[l], [LinearWeight(offset: w.proj, out: a.tmp, OUT: C)], N, H * D, matrices)
                tm?.lap(.fwdLinear)
                addScaled(a.xa, a.xa, 1, a.tmp, N * C)
                // MLP
                rmsnormForward(a.xn2[l], a.rstd2[l], a.xa, N, C)
                tm?.lap(.fwdElementwise)
                linearForward(a.xn2[l], [LinearWeight(offset: w.fc, out: a.h[l], OUT: 4 * C)], N, C, matrices)
                tm?.lap(.fwdLinear)
                relu2Forward(a.act, a.h[l], N * 4 * C)
                tm?.lap(.fwdElementwise)
                linearForward(a.act, [LinearWeight(offset: w.mproj, out: a.tmp, OUT: C)], N, 4 * C, matrices)
                tm?.lap(.fwdLinear)
                addScaled(a.res[l + 1], a.xa, 1, a.tmp, N * C)
            }
        }
        }
        // backout: subtract a fraction of the output of block L//2, then the final norm
        addScaled(a.xa, a.res[L], -P[oBackoutL], a.res[L / 2 + 1], N * C)
        rmsnormForward(a.xnf, a.rstdf, a.xa, N, C)
        tm?.lap(.fwdElementwise)
        return a
    }

    /// Training forward: mean cross-entropy over targets ≠ −1. Keeps what backward needs, and (fused head)
    /// already holds ∂loss/∂(final activations) and ∂loss/∂lm_head.
    /// With `tokenWeights` ([B·T]) the loss is instead Σ w[n]·CE[n] over targets ≠ −1 and backward differentiates
    /// that (nanochat's chat_rl: `loss_reduction='none'` times the advantages, summed and normalised by the caller).
    public func forward(inputs: UnsafeBufferPointer<Int32>, targets: UnsafeBufferPointer<Int32>, B: Int, T: Int,
                        tokenWeights: UnsafeBufferPointer<Float>? = nil) -> Float {
        precondition(inputs.count >= B * T && targets.count >= B * T, "GPT.forward: inputs/targets shorter than B·T")
        precondition(tokenWeights.map { $0.count >= B * T } ?? true, "GPT.forward: tokenWeights shorter than B·T")
        requireFP32Matrices("GPT.forward (training)")
        let a = forwardTrunk(inputs.baseAddress!, B: B, T: T)
        let N = B * T, C = config.nEmbd
        timers?.start()
        var count = 0
        for n in 0..<N where targets[n] >= 0 { count += 1 }
        if lmHeadGrad == nil { lmHeadGrad = FlatBuffer(count: config.paddedVocab * C) }
        let dW = lmHeadGrad!   // rows ≥ V stay zero forever; rows < V are overwritten by the first chunk
        var out = HeadOutputs()
        out.losses = a.losses; out.dx = a.dxnf; out.dW = dW.ptr; out.accumulateW = false
        out.scale = tokenWeights != nil ? 1 : count > 0 ? 1 / Float(count) : 0
        out.rowWeights = tokenWeights?.baseAddress.map { UnsafePointer($0) }
        lmHeadForward(out, a.xnf, .fp32(params.ptr + oLm), targets.baseAddress!, N, C, config.vocabSize,
                      chunk: a.headChunk, rows: a.headRows,
                      scratch: a.headScratch, workers: a.headWorkers)
        timers?.lap(.fwdHead)
        lastTrained = true
        var sum = 0.0
        if let w = tokenWeights {
            for n in 0..<N { sum += Double(w[n]) * Double(a.losses[n]) }
            return Float(sum)
        }
        for n in 0..<N { sum += Double(a.losses[n]) }
        return Float(sum / Double(count))   // NaN when every target is ignored, like torch
    }

    public var lastPerTokenLoss: UnsafeBufferPointer<Float> {
        guard let a = acts else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: a.losses, count: lastB * lastT)
    }

    // MARK: - Backward

    /// grads += ∂(lossScale·loss)/∂θ for the last training forward.
    public func backward(lossScale: Float = 1) {
        precondition(lastTrained, "GPT.backward: call the training forward first")
        requireFP32Matrices("GPT.backward")
        let a = acts!, c = config, B = lastB, T = lastT, N = B * T
        let C = c.nEmbd, H = c.nHead, Hkv = c.nKvHead, D = c.headDim, L = c.nLayer
        let P = params.ptr, G = grads.ptr
        let tm = timers
        tm?.start()
        // head (already differentiated in the forward)
        vaxpyParallel(G + oLm, lossScale, lmHeadGrad!.ptr, c.paddedVocab * C)
        if lossScale != 1 { vscale(a.dxnf, lossScale, N * C) }
        tm?.lap(.bwdHead)
        // final norm and backout
        a.dxf.update(repeating: 0, count: N * C)
        rmsnormBackward(a.dxf, a.dxnf, a.xnf, a.rstdf, N, C)
        let bo = L / 2 + 1, bl = P[oBackoutL]
        G[oBackoutL] += -Float(parallelDot(a.dxf, a.res[bo], N * C))
        a.dres.update(from: a.dxf, count: N * C)
        a.dx0.update(repeating: 0, count: N * C)
        rope.cos.withUnsafeBufferPointer { cosb in
        rope.sin.withUnsafeBufferPointer { sinb in
            let cosT = cosb.baseAddress!, sinT = sinb.baseAddress!
            for l in stride(from: L - 1, through: 0, by: -1) {
                let w = lp[l]
                if l + 1 == bo { vaxpyParallel(a.dres, -bl, a.dxf, N * C) }
                // MLP: res[l+1] = xm + mproj(relu²(fc(xn2)))
                relu2Forward(a.act, a.h[l], N * 4 * C)
                tm?.lap(.bwdElementwise)
                linearBackward(a.act, G + w.mproj, a.dres, a.act, P + w.mproj, N, 4 * C, C, accumulateInput: false)
                tm?.lap(.bwdLinear)
                relu2Backward(a.act, a.h[l], N * 4 * C)
                tm?.lap(.bwdElementwise)
                linearBackward(a.dxn, G + w.fc, a.act, a.xn2[l], P + w.fc, N, C, 4 * C, accumulateInput: false)
                tm?.lap(.bwdLinear)
                rmsnormBackward(a.dres, a.dxn, a.xn2[l], a.rstd2[l], N, C)
                tm?.lap(.bwdElementwise)
                // attention: xm = xa + proj(attn(norm(xa)))
                linearBackward(a.dy, G + w.proj, a.dres, a.y[l], P + w.proj, N, H * D, C, accumulateInput: false)
                tm?.lap(.bwdLinear)
                a.dq.update(repeating: 0, count: N * H * D)
                a.dk.update(repeating: 0, count: N * Hkv * D)
                a.dv.update(repeating: 0, count: N * Hkv * D)
                attentionBackward(a.dq, a.dk, a.dv, a.dy, a.q[l], a.k[l], a.v[l], a.y[l], a.lse[l], B, T, H, Hkv, D,
                                  left: windows[l], scratch: a.attention)
                tm?.lap(.bwdAttention)
                a.dqr.update(repeating: 0, count: N * H * D)
                a.dkr.update(repeating: 0, count: N * Hkv * D)
                rmsnormBackward(a.dqr, a.dq, a.q[l], a.rstdq[l], N * H, D, gain: 1.2)
                rmsnormBackward(a.dkr, a.dk, a.k[l], a.rstdk[l], N * Hkv, D, gain: 1.2)
                rotaryBackward(a.dqr, N, H, D, T, cosT, sinT)
                rotaryBackward(a.dkr, N, Hkv, D, T, cosT, sinT)
                tm?.lap(.bwdElementwise)
                linearBackward(a.dxn, G + w.q, a.dqr, a.xn1[l], P + w.q, N, C, H * D, accumulateInput: false)
                linearBackward(a.dxn, G + w.k, a.dkr, a.xn1[l], P + w.k, N, C, Hkv * D)
                linearBackward(a.dxn, G + w.v, a.dv, a.xn1[l], P + w.v, N, C, Hkv * D)
                tm?.lap(.bwdLinear)
                if let g = w.veGate, let ve = w.ve {
                    valueEmbedBackward(a.dxn, G + g, G + ve, a.dv, a.gate[l], a.xn1[l], P + g, P + ve, a.idx, N, Hkv, D, C,
                                       scratch: a.gateScratch)
                }
                rmsnormBackward(a.dres, a.dxn, a.xn1[l], a.rstd1[l], N, C)
                // xa = λr·res[l] + λ0·x0
                residualMixBackward(a.dres, a.dx0, G + oResid + l, G + oX0 + l, a.res[l], a.x0, P[oResid + l], P[oX0 + l], N * C)
            }
        }
        }
        // res[0] is x0 itself
        vaxpyParallel(a.dx0, 1, a.dres, N * C)
        a.dxn.update(repeating: 0, count: N * C)
        smearBackward(a.dxn, G + oSmearGate, G + oSmearL, a.dx0, a.xe, a.smearSig, P + oSmearGate, P[oSmearL], B, T, C,
                      scratch: a.gateScratch)
        a.emb.update(repeating: 0, count: N * C)
        rmsnormBackward(a.emb, a.dxn, a.xe, a.rstdE, N, C)
        embeddingBackward(G + oWte, a.emb, a.idx, N, C)
        tm?.lap(.bwdElementwise)
    }
}

/// y += alpha·x over a long vector, in parallel.
func vaxpyParallel(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ n: Int) {
    Threads.parallelFor(n, minChunk: 1 << 14) { r in vaxpy(y + r.lowerBound, alpha, x + r.lowerBound, r.count) }
}
