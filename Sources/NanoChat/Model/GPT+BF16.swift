// bf16 weights for inference (issue 21): the Linear matrices and the lm_head are rounded to bf16 once and
// held only in bf16 (their fp32 pages go back to the kernel); the math stays fp32. The decode kernels read
// the bf16 copy (half the bytes per step, widened in the kernel); prefill, evals and any forward of more
// rows widen it block by block into a small fp32 scratch for sgemm. The embedding tables and the small
// vectors stay fp32: a decode step reads one embedding row per token. fp16 is not offered: ReLU²
// activations overflow it. Training, checkpoint saving and loading need the fp32 matrices and refuse a
// bf16 model.

extension GPT {
    /// The weights stored in bf16: every Linear of the blocks and the lm_head.
    var bf16Entries: [ParamEntry] {
        let matrices = ["attn.c_q.weight", "attn.c_k.weight", "attn.c_v.weight", "attn.c_proj.weight",
                        "mlp.c_fc.weight", "mlp.c_proj.weight"]
        return layout.entries.filter { e in e.name == "lm_head.weight" || matrices.contains { e.name.hasSuffix("." + $0) } }
    }

    /// Rounds the matrices to bf16 (ties to even) and releases their fp32 pages: from here on `params` holds
    /// no valid matrix (the partial pages at the ends of a range keep fp32 values nobody reads), and every
    /// forward reads `weights16`. Irreversible for this instance; call once, before inference.
    public func storeMatricesBF16() {
        precondition(weights16 == nil, "GPT.storeMatricesBF16: the matrices are bf16 already")
        let entries = bf16Entries
        let copy = BF16Buffer(count: params.count, writing: entries.map(\.range))
        for e in entries {
            convertToBF16(copy.ptr + e.offset, params.ptr + e.offset, e.count)
            Platform.releasePages(UnsafeMutableRawPointer(params.ptr + e.offset), byteCount: e.count * MemoryLayout<Float>.stride)
        }
        weights16 = copy
        lastTrained = false   // a backward would read the released matrices
        lmHeadGrad = nil
    }

    /// "bfloat16" once `storeMatricesBF16` ran, else "float32".
    public var weightDType: String { weights16 == nil ? "float32" : "bfloat16" }

    /// Bytes one decode step reads of the matrices and lm_head (4 or 2 per weight).
    public var matrixBytes: Int { bf16Entries.reduce(0) { $0 + $1.count } * (weights16 == nil ? 4 : 2) }

    /// Bytes the weights take in memory: every parameter in fp32, or with bf16 matrices those at 2 bytes.
    public var weightBytes: Int {
        let matrices = bf16Entries.reduce(0) { $0 + $1.count }
        return (params.count - matrices) * 4 + matrixBytes
    }

    /// Traps when the fp32 matrices were released (`what` needs them: training, saving, loading).
    func requireFP32Matrices(_ what: String) {
        precondition(weights16 == nil, "\(what): the model's matrices are held in bf16 only (storeMatricesBF16); this needs an fp32 model")
    }

    /// The matrices as the inference forwards read them; `scratch` holds `widenScratchCount` floats.
    func matrixSource(scratch: UnsafeMutablePointer<Float>) -> MatrixSource {
        MatrixSource(params: params.ptr, bf16: weights16.map { UnsafePointer($0.ptr) }, scratch: scratch)
    }

    /// The lm_head as the inference forwards read it.
    func headWeights(scratch: UnsafeMutablePointer<Float>) -> HeadWeights {
        if let w = weights16 { return .bf16(w.ptr + oLm, scratch: scratch) }
        return .fp32(params.ptr + oLm)
    }
}
