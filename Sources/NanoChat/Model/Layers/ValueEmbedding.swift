import Foundation

// Value embeddings (has_ve layers): v += 3·sigmoid(xn[:, :12]·Wgᵀ)[h] · ve[idx][h], per kv head.

let veGateChannels = 12

/// v: [N, Hkv, D] updated in place; gate: [N, Hkv] (stores the 3·sigmoid value); xn: [N, C];
/// wg: [Hkv, 12]; table: [Vp, Hkv·D]; idx: [N].
func valueEmbedForward(_ v: UnsafeMutablePointer<Float>, _ gate: UnsafeMutablePointer<Float>, _ xn: UnsafePointer<Float>,
                       _ wg: UnsafePointer<Float>, _ table: UnsafePointer<Float>, _ idx: UnsafePointer<Int32>,
                       _ N: Int, _ Hkv: Int, _ D: Int, _ C: Int) {
    Threads.parallelFor(N, minChunk: 32) { r in
        for n in r {
            let ve = table + Int(idx[n]) * Hkv * D
            for h in 0..<Hkv {
                let g = 3 * sigmoid(vdot(xn + n * C, wg + h * veGateChannels, veGateChannels))
                gate[n * Hkv + h] = g
                vaxpy(v + (n * Hkv + h) * D, g, ve + h * D, D)
            }
        }
    }
}

/// Given dv (∂/∂v after the add): dxn[:, :12] += …, dwg += …, dtable[idx] += gate·dv.
func valueEmbedBackward(_ dxn: UnsafeMutablePointer<Float>, _ dwg: UnsafeMutablePointer<Float>, _ dtable: UnsafeMutablePointer<Float>,
                        _ dv: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, _ xn: UnsafePointer<Float>,
                        _ wg: UnsafePointer<Float>, _ table: UnsafePointer<Float>, _ idx: UnsafePointer<Int32>,
                        _ N: Int, _ Hkv: Int, _ D: Int, _ C: Int) {
    var dzs = [Float](repeating: 0, count: N * Hkv)
    dzs.withUnsafeMutableBufferPointer { dzb in
        let dz = dzb.baseAddress!
        Threads.parallelFor(N, minChunk: 32) { r in
            for n in r {
                let ve = table + Int(idx[n]) * Hkv * D
                for h in 0..<Hkv {
                    let g = gate[n * Hkv + h], s = g / 3
                    let dg = vdot(dv + (n * Hkv + h) * D, ve + h * D, D)
                    let z = dg * 3 * s * (1 - s)
                    dz[n * Hkv + h] = z
                    vaxpy(dxn + n * C, z, wg + h * veGateChannels, veGateChannels)
                }
            }
        }
        // serial: tokens repeat (table rows) and all rows hit the same gate weights
        for n in 0..<N {
            let dve = dtable + Int(idx[n]) * Hkv * D
            for h in 0..<Hkv {
                vaxpy(dve + h * D, gate[n * Hkv + h], dv + (n * Hkv + h) * D, D)
                vaxpy(dwg + h * veGateChannels, dz[n * Hkv + h], xn + n * C, veGateChannels)
            }
        }
    }
}
