// Bias-free Linear in PyTorch layout: W is [OUT, IN], y = x·Wᵀ. All of it is BLAS over every B·T row at once.

/// out: [N, OUT] = inp: [N, IN] · W[OUT, IN]ᵀ
func linearForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ W: UnsafePointer<Float>,
                   _ N: Int, _ IN: Int, _ OUT: Int) {
    BLAS.matmulNT(out, inp, W, M: N, N: OUT, K: IN)
}

/// dW += doutᵀ·inp, then dinp (+)= dout·W. dW is computed first, so dinp may overwrite inp when
/// `accumulateInput` is false (the MLP reuses its activation buffer that way).
func linearBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dW: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                    _ inp: UnsafePointer<Float>, _ W: UnsafePointer<Float>, _ N: Int, _ IN: Int, _ OUT: Int,
                    accumulateInput: Bool = true) {
    BLAS.matmulTN(dW, dout, inp, M: OUT, N: IN, K: N, accumulate: true)
    if let dinp { BLAS.matmulNN(dinp, dout, W, M: N, N: IN, K: OUT, accumulate: accumulateInput) }
}
