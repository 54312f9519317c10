import Foundation

// Smear (HEAD): each token mixes in the previous token's normalized embedding through a tiny gate:
// x0[t] = x[t] + λ·sigmoid(x[t, :24]·w)·x[t−1] for t ≥ 1 (x = pre-smear), x0[0] = x[0].

let smearChannels = 24

/// out: [B,T,C]; sig: [B·T] (the sigmoid, 0 at t = 0); inp: [B,T,C]; w: [24]; lambda: the smear_lambda.
/// prev: [B,C] or nil — with a KV cache, the pre-smear embedding of each row's last cached token, which
/// position 0 of the new tokens mixes in (nil: position 0 is the start of the sequence and stays as is).
func smearForward(_ out: UnsafeMutablePointer<Float>, _ sig: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                  _ w: UnsafePointer<Float>, _ lambda: Float, _ B: Int, _ T: Int, _ C: Int,
                  prev cached: UnsafePointer<Float>? = nil) {
    Threads.parallelFor(B * T, minChunk: 32) { r in
        for n in r {
            let x = inp + n * C, y = out + n * C
            if n % T == 0 && cached == nil { y.update(from: x, count: C); sig[n] = 0; continue }
            let s = sigmoid(vdot(x, w, smearChannels))
            sig[n] = s
            let g = lambda * s, prev = n % T == 0 ? cached! + (n / T) * C : x - C
            for c in 0..<C { y[c] = x[c] + g * prev[c] }
        }
    }
}

/// dinp += ∂/∂inp, dw += ∂/∂w, dlambda += ∂/∂λ given dout. scratch: 2·B·T floats.
func smearBackward(_ dinp: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>, _ dlambda: UnsafeMutablePointer<Float>,
                   _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ sig: UnsafePointer<Float>,
                   _ w: UnsafePointer<Float>, _ lambda: Float, _ B: Int, _ T: Int, _ C: Int,
                   scratch: UnsafeMutablePointer<Float>) {
    let N = B * T
    // dz[n] = ∂/∂(gate logit) of position n; reduced into dw/dλ serially afterwards (tiny).
    let dz = scratch, dl = scratch + N
    dz.update(repeating: 0, count: 2 * N)
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
