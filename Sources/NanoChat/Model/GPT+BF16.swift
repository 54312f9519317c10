// bf16 weights for inference (issue 21): the Linear matrices and the lm_head are rounded to bf16 once,
// and the decode kernels read the bf16 copy (half the bytes per step, widened to fp32 in the kernel;
// the math stays fp32). The fp32 buffer takes the same rounded values, so prefill through the training
// GEMMs and decode compute the same model. The embedding tables stay fp32: a decode step reads one of
// their rows per token. fp16 is not offered: ReLU² activations overflow it.

extension GPT {
    /// The weights stored in bf16: every Linear of the blocks and the lm_head.
    var bf16Entries: [ParamEntry] {
        let matrices = ["attn.c_q.weight", "attn.c_k.weight", "attn.c_v.weight", "attn.c_proj.weight",
                        "mlp.c_fc.weight", "mlp.c_proj.weight"]
        return layout.entries.filter { e in e.name == "lm_head.weight" || matrices.contains { e.name.hasSuffix("." + $0) } }
    }

    /// Rounds the matrices to bf16 (ties to even) for the decode kernels and writes the rounded values back
    /// into the fp32 parameters. Irreversible for this instance; call once, before decoding.
    public func storeMatricesBF16() {
        let entries = bf16Entries
        let copy = BF16Buffer(count: params.count, writing: entries.map { $0.offset..<($0.offset + $0.count) })
        for e in entries {
            convertToBF16(copy.ptr + e.offset, params.ptr + e.offset, e.count)
            convertFromBF16(params.ptr + e.offset, copy.ptr + e.offset, e.count)
        }
        weights16 = copy
    }

    /// "bfloat16" once `storeMatricesBF16` ran, else "float32".
    public var weightDType: String { weights16 == nil ? "float32" : "bfloat16" }

    /// Bytes one decode step reads of the matrices and lm_head (4 or 2 per weight).
    public var matrixBytes: Int { bf16Entries.reduce(0) { $0 + $1.count } * (weights16 == nil ? 4 : 2) }
}
