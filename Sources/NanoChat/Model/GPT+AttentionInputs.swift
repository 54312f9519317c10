// The part of a block both forwards share (nanochat's Block.forward up to the attention call, in
// gpt.py: CausalSelfAttention.forward): norm, q/k/v, value embedding, rotary, QK-norm. The training
// forward keeps every output per layer for the backward; the cached forward reuses one set.

/// Where one layer's attention inputs go. rstd: [N]; q: [N, H·D]; k, v: [N, Hkv·D]; rstdq: [N·H];
/// rstdk: [N·Hkv]; gate: [N·Hkv] (value-embedding layers only).
struct AttentionInputBuffers {
    let xn, rstd, q, k, v, gate, rstdq, rstdk: UnsafeMutablePointer<Float>
}

extension GPT {
    /// Layer l's q, k, v for N = B·T tokens of x ([N, C]); token n sits at position positions[n] of its
    /// sequence (nil: n % T, training). idx: the N token ids (value embeddings).
    func attentionInputs(layer l: Int, _ out: AttentionInputBuffers, _ x: UnsafePointer<Float>,
                         _ idx: UnsafePointer<Int32>, B: Int, T: Int, positions: UnsafePointer<Int>?,
                         _ cosT: UnsafePointer<Float>, _ sinT: UnsafePointer<Float>, _ matrices: MatrixSource,
                         timers tm: PhaseTimers? = nil) {
        let c = config, N = B * T, C = c.nEmbd, H = c.nHead, Hkv = c.nKvHead, D = c.headDim
        let w = lp[l], P = params.ptr
        rmsnormForward(out.xn, out.rstd, x, N, C)
        tm?.lap(.fwdElementwise)
        linearForward(out.xn, [LinearWeight(offset: w.q, out: out.q, OUT: H * D), LinearWeight(offset: w.k, out: out.k, OUT: Hkv * D),
                               LinearWeight(offset: w.v, out: out.v, OUT: Hkv * D)], N, C, matrices)
        tm?.lap(.fwdLinear)
        if let g = w.veGate, let ve = w.ve {
            valueEmbedForward(out.v, out.gate, out.xn, P + g, P + ve, idx, N, Hkv, D, C)
        }
        rotaryForward(out.q, N, H, D, T, cosT, sinT, positions: positions)
        rotaryForward(out.k, N, Hkv, D, T, cosT, sinT, positions: positions)
        rmsnormForward(out.q, out.rstdq, out.q, N * H, D, gain: 1.2)
        rmsnormForward(out.k, out.rstdk, out.k, N * Hkv, D, gain: 1.2)
        tm?.lap(.fwdElementwise)
    }
}
