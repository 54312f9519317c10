import Foundation
import NanoChat

/// The GEMMs of one training step of a GPT (every Linear's forward, input-gradient and weight-gradient
/// product, and the fused lm head's three per chunk), timed alone on zero-filled buffers: what the
/// step's linear and head time would be if nothing else ran. Median of 5 repetitions.
struct GemmList {
    var fwdMs = 0.0, bwdMs = 0.0, headMs = 0.0
    /// the head's three GEMMs each alone: logits = x·Wᵀ, dx = dlogits·W, dW += dlogitsᵀ·x
    var headPartsMs = [0.0, 0.0, 0.0]

    init(config c: GPTConfig, N: Int, headRows R: Int) {
        let C = c.nEmbd, HD = c.nHead * c.headDim, KD = c.nKvHead * c.headDim, V = c.vocabSize
        // (in, out) of each Linear per layer: q, k, v, proj, fc, mproj
        let linears = [(C, HD), (C, KD), (C, KD), (HD, C), (C, 4 * C), (4 * C, C)]
        let maxIO = linears.map { max($0.0, $0.1) }.max()!
        let x = Self.buffer(N * max(maxIO, C)), y = Self.buffer(N * max(maxIO, C))
        let w = Self.buffer(max(maxIO * maxIO, V * C)), dw = Self.buffer(max(maxIO * maxIO, V * C))
        let chunk = Self.buffer(R * V)
        defer { for p in [x, y, w, dw, chunk] { p.deallocate() } }
        func med(_ body: () -> Void) -> Double {
            body()   // warm-up
            var ts: [Double] = []
            for _ in 0..<5 { let t = now(); body(); ts.append(now() - t) }
            return median(ts) * 1000
        }
        fwdMs = med {
            for _ in 0..<c.nLayer { for (k, n) in linears { BLAS.matmulNT(y, x, w, M: N, N: n, K: k) } }
        }
        bwdMs = med {
            for _ in 0..<c.nLayer {
                for (k, n) in linears {
                    BLAS.matmulNN(x, y, w, M: N, N: k, K: n)      // dx = dy·W
                    BLAS.matmulTN(dw, y, x, M: n, N: k, K: N)     // dW = dyᵀ·x
                }
            }
        }
        headMs = med {
            var r0 = 0
            while r0 < N {
                let m = min(R, N - r0)
                BLAS.matmulNT(chunk, x, w, M: m, N: V, K: C)
                BLAS.matmulNN(y, chunk, w, M: m, N: C, K: V)
                BLAS.matmulTN(dw, chunk, x, M: V, N: C, K: m, accumulate: r0 > 0)
                r0 += m
            }
        }
        let m = min(R, N)
        headPartsMs = [med { BLAS.matmulNT(chunk, x, w, M: m, N: V, K: C) },
                       med { BLAS.matmulNN(y, chunk, w, M: m, N: C, K: V) },
                       med { BLAS.matmulTN(dw, chunk, x, M: V, N: C, K: m, accumulate: true) }]
    }

    static func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        p.initialize(repeating: 0.001, count: n)
        return p
    }
}
