// Parameter-free RMSNorm over rows of length C (F.rms_norm, eps = FLT_EPSILON = 2^-23), with an
// optional output gain (the ×1.2 on q and k is folded in here).

let rmsEps: Float = 0x1p-23

/// out = gain · inp · rstd, rstd = 1/sqrt(mean(inp²) + eps). out: [N, C], rstd: [N], inp: [N, C]. In place is fine.
func rmsnormForward(_ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                    _ N: Int, _ C: Int, gain: Float = 1) {
    Threads.parallelFor(N, minChunk: 32) { r in
        for n in r {
            let x = inp + n * C, y = out + n * C
            let ms = vdot(x, x, C) / Float(C)
            let rs = 1 / (ms + rmsEps).squareRoot()
            rstd[n] = rs
            if gain == 1 {
                for i in 0..<C { y[i] = x[i] * rs }
            } else {
                for i in 0..<C { y[i] = x[i] * rs * gain }
            }
        }
    }
}

/// dinp += rstd·gain·(dout − out·mean(dout·out)/gain²), using the forward output (out = gain·y).
func rmsnormBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                     _ rstd: UnsafePointer<Float>, _ N: Int, _ C: Int, gain: Float = 1) {
    Threads.parallelFor(N, minChunk: 32) { r in
        for n in r {
            let dy = dout + n * C, y = out + n * C, dx = dinp + n * C
            let m = vdot(dy, y, C) / (Float(C) * gain * gain)
            let s = rstd[n] * gain
            for i in 0..<C { dx[i] += s * (dy[i] - y[i] * m) }
        }
    }
}
