// Bias-free Linear in PyTorch layout: W is [OUT, IN], y = x·Wᵀ. All of it is BLAS over every B·T row at once.

/// out: [N, OUT] = inp: [N, IN] · W[OUT, IN]ᵀ. A few rows (decoding) go through the streaming kernel.
func linearForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ W: UnsafePointer<Float>,
                   _ N: Int, _ IN: Int, _ OUT: Int) {
    linearForward(inp, [LinearOutput(W: W, out: out, OUT: OUT)], N, IN)
}

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

/// Several Linears of one input from the model's weights P (fp32); for a few rows (decoding) from their
/// bf16 copy P16 (indexed like P) when the model has one.
func linearForward(_ inp: UnsafePointer<Float>, _ layers: [LinearWeight], _ N: Int, _ IN: Int,
                   params P: UnsafePointer<Float>, bf16 P16: UnsafePointer<BF16>?) {
    if let P16, N <= smallGEMMMaxRows {
        smallMatmulNT(inp, layers.map { GEMVSegment(weights: P16 + $0.offset, out: $0.out, rows: $0.OUT, ldOut: $0.OUT) }, M: N, K: IN)
    } else {
        linearForward(inp, layers.map { LinearOutput(W: P + $0.offset, out: $0.out, OUT: $0.OUT) }, N, IN)
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
