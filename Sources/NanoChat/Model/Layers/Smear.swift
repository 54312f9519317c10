import Foundation

// Smear (HEAD): each token mixes in the previous token's normalized embedding through a tiny gate:
// x0[t] = x[t] + λ·sigmoid(x[t, :24]·w)·x[t−1] for t ≥ 1 (x = pre-smear), x0[0] = x[0].

let smearChannels = 24

/// out: [B,T,C]; sig: [B·T] (the sigmoid, 0 at t = 0); inp: [B,T,C]; w: [24]; lambda: the smear_lambda.
func smearForward(_ out: UnsafeMutablePointer<Float>, _ sig: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                  _ w: UnsafePointer<Float>, _ lambda: Float, _ B: Int, _ T: Int, _ C: Int) {
    Threads.parallelFor(B * T, minChunk: 32) { r in
        for n in r {
            let x = inp + n * C, y = out + n * C
            if n % T == 0 { y.update(from: x, count: C); sig[n] = 0; continue }
            let s = sigmoid(vdot(x, w, smearChannels))
            sig[n] = s
            let g = lambda * s, prev = x - C
            for c in 0..<C { y[c] = x[c] + g * prev[c] }
        }
    }
}

/// dinp += ∂/∂inp, dw += ∂/∂w, dlambda += ∂/∂λ given dout.
func smearBackward(_ dinp: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>, _ dlambda: UnsafeMutablePointer<Float>,
                   _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ sig: UnsafePointer<Float>,
                   _ w: UnsafePointer<Float>, _ lambda: Float, _ B: Int, _ T: Int, _ C: Int) {
    let N = B * T
    // dz[n] = ∂/∂(gate logit) of position n; reduced into dw/dλ serially afterwards (tiny).
    var dzs = [Float](repeating: 0, count: N), dls = [Float](repeating: 0, count: N)
    dzs.withUnsafeMutableBufferPointer { dzb in
        dls.withUnsafeMutableBufferPointer { dlb in
            let dz = dzb.baseAddress!, dl = dlb.baseAddress!
            Threads.parallelFor(N, minChunk: 32) { r in
                for n in r {
                    let dy = dout + n * C, dx = dinp + n * C, t = n % T
                    vaxpy(dx, 1, dy, C)                                         // identity path
                    if t + 1 < T { vaxpy(dx, lambda * sig[n + 1], dy + C, C) }  // as the previous token of n+1
                    if t > 0 {
                        let s = sig[n]
                        let dg = vdot(dy, inp + (n - 1) * C, C)                 // ∂/∂g, g = λ·s
                        dl[n] = dg * s
                        dz[n] = dg * lambda * s * (1 - s)
                    }
                }
            }
            Threads.parallelFor(N, minChunk: 64) { r in
                for n in r where n % T > 0 { vaxpy(dinp + n * C, dz[n], w, smearChannels) }
            }
            var dlam = 0.0
            for n in 0..<N where n % T > 0 {
                vaxpy(dw, dz[n], inp + n * C, smearChannels)
                dlam += Double(dl[n])
            }
            dlambda[0] += Float(dlam)
        }
    }
}
