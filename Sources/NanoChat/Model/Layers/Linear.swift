// Bias-free Linear in PyTorch layout: W is [OUT, IN], y = x·Wᵀ. Many rows go through BLAS over every B·T row
// at once, a few (decoding) through the streaming kernel; bf16 weights through either (SmallGEMM, BF16.swift).

/// One Linear of a shared input: W [OUT, IN] and its output [N, OUT].
struct LinearOutput {
    let W: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let OUT: Int
}

/// Several Linears of one input (q, k, v): out_i: [N, OUT_i] = inp · W_iᵀ; for a few rows one pass.
func linearForward(_ inp: UnsafePointer<Float>, _ layers: [LinearOutput], _ N: Int, _ IN: Int) {
    if N <= smallGEMMMaxRows {
        smallMatmulNT(inp, layers.map { GEMVSegment(weights: $0.W, out: $0.out, rows: $0.OUT, ldOut: $0.OUT) }, M: N, K: IN)
    } else {
        for layer in layers { BLAS.matmulNT(layer.out, inp, layer.W, M: N, N: layer.OUT, K: IN) }
    }
}

/// One Linear of a shared input named by its weight's offset in the parameter buffer.
struct LinearWeight {
    let offset: Int
    let out: UnsafeMutablePointer<Float>
    let OUT: Int
}

/// Where a model's matrices are read from: its fp32 parameters P, or (bf16 weights) their bf16 copy P16,
/// indexed like P, whose fp32 originals are released. More rows than the decode kernels take read P16
/// through `scratch` (`widenScratchCount` floats, the caller's: many forwards may share one model).
struct MatrixSource {
    let params: UnsafePointer<Float>
    let bf16: UnsafePointer<BF16>?
    let scratch: UnsafeMutablePointer<Float>
}

/// Several Linears of one input from the model's weights: fp32, or bf16 (decode kernels for a few rows,
/// widened into sgemm for more).
func linearForward(_ inp: UnsafePointer<Float>, _ layers: [LinearWeight], _ N: Int, _ IN: Int, _ weights: MatrixSource) {
    guard let P16 = weights.bf16 else {
        linearForward(inp, layers.map { LinearOutput(W: weights.params + $0.offset, out: $0.out, OUT: $0.OUT) }, N, IN)
        return
    }
    if N <= smallGEMMMaxRows {
        smallMatmulNT(inp, layers.map { GEMVSegment(weights: P16 + $0.offset, out: $0.out, rows: $0.OUT, ldOut: $0.OUT) }, M: N, K: IN)
    } else {
        for layer in layers {
            matmulNTWidened(layer.out, ldc: layer.OUT, inp, P16 + layer.offset, M: N, N: layer.OUT, K: IN, scratch: weights.scratch)
        }
    }
}

/// dW += doutᵀ·inp, then dinp (+)= dout·W. dW is computed first, so dinp may overwrite inp when
/// `accumulateInput` is false (the MLP reuses its activation buffer that way).
func linearBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dW: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                    _ inp: UnsafePointer<Float>, _ W: UnsafePointer<Float>, _ N: Int, _ IN: Int, _ OUT: Int,
                    accumulateInput: Bool = true) {
    BLAS.matmulTN(dW, dout, inp, M: OUT, N: IN, K: N, accumulate: true)
    if let dinp { BLAS.matmulNN(dinp, dout, W, M: N, N: IN, K: OUT, accumulate: accumulateInput) }
}
