import Foundation

/// The Muon update of nanochat HEAD's `muon_step_fused` (nanochat/optim.py) for ONE matrix [m, n] in fp32:
/// Nesterov momentum → MuonEq row equilibration → Polar Express → Muon+ renormalization →
/// NorMuon second moment → cautious weight decay. Stacking in nanochat never mixes matrices,
/// so a group is just this, K times.
enum Muon {
    /// fp32 scalars of one step (nanochat's 0-d tensors).
    struct Scalars {
        var mu: Float, oneMinusMu: Float   // momentum and 1 − momentum (fp32)
        var w2: Float                      // 1 − β2 (NorMuon lerp weight)
        var lr: Float, lrwd: Float         // lr·sqrt(max(1, m/n)) and lr·wd
        var nsSteps: Int

        init(lr: Double, momentum: Double, beta2: Double, weightDecay: Double, nsSteps: Int, m: Int, n: Int) {
            mu = Float(momentum)
            oneMinusMu = 1 - mu
            w2 = 1 - Float(beta2)
            let lr32 = Float(lr * max(1.0, Double(m) / Double(n)).squareRoot())   // Python float64, then fp32
            self.lr = lr32
            lrwd = lr32 * Float(weightDecay)
            self.nsSteps = nsSteps
        }
    }

    /// Scratch for one matrix at a time (one per worker thread).
    final class Workspace {
        let x, y, a, b, v: UnsafeMutablePointer<Float>
        let acc: UnsafeMutablePointer<Double>
        init(maxMN: Int, maxS: Int, maxDim: Int) {
            x = .allocate(capacity: max(1, maxMN)); y = .allocate(capacity: max(1, maxMN))
            a = .allocate(capacity: max(1, maxS * maxS)); b = .allocate(capacity: max(1, maxS * maxS))
            v = .allocate(capacity: max(1, maxDim)); acc = .allocate(capacity: max(1, maxDim))
        }
        deinit { for p in [x, y, a, b, v] { p.deallocate() }; acc.deallocate() }
    }

    /// Updates p [m,n] from g, with momentum buffer `buf` [m,n] and second moment `s2`
    /// ([m] if m ≥ n, else [n]). g is read only (nanochat writes into a stacked copy).
    static func update(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, buf: UnsafeMutablePointer<Float>,
                       s2: UnsafeMutablePointer<Float>, m: Int, n: Int, _ s: Scalars, _ ws: Workspace) {
        let cnt = m * n
        var x = ws.x
        // Nesterov momentum via two lerps: buf ← lerp(buf, G, 1−μ); g ← lerp(G, buf, μ)
        var i = 0
        while i + 8 <= cnt {
            let gi = SIMD8<Float>.load(g + i)
            let bi = lerp(SIMD8<Float>.load(buf + i), gi, s.oneMinusMu)
            bi.store(buf + i)
            lerp(gi, bi, s.mu).store(x + i)
            i += 8
        }
        while i < cnt {
            let bi = lerp(buf[i], g[i], s.oneMinusMu)
            buf[i] = bi
            x[i] = lerp(g[i], bi, s.mu)
            i += 1
        }
        // MuonEq: scale every row to the RMS row norm ‖X‖_F/√m
        var total = 0.0
        for r in 0..<m {
            let ss = sumSquares(x + r * n, n)
            total += ss
            ws.v[r] = Float(ss.squareRoot())
        }
        let target = Float(total.squareRoot()) / Float(Double(m).squareRoot())
        for r in 0..<m {
            let f = target / max(ws.v[r], 1e-6)
            let row = x + r * n
            for j in 0..<n { row[j] *= f }
        }
        // Polar Express on X / (‖X‖_F·1.01 + 1e-6)
        let denom = Float(sumSquares(x, cnt).squareRoot()) * Float(1.01) + Float(1e-6)
        for i in 0..<cnt { x[i] /= denom }
        x = PolarExpress.iterate(x: x, y: ws.y, a: ws.a, b: ws.b, m: m, n: n, steps: s.nsSteps)
        // Muon+: Frobenius norm → sqrt(min(m, n))
        let plus = Float(Double(min(m, n)).squareRoot()) / max(Float(sumSquares(x, cnt).squareRoot()), 1e-6)
        for i in 0..<cnt { x[i] *= plus }
        normuon(x: x, s2: s2, m: m, n: n, w2: s.w2, ws)
        // cautious weight decay (mask from the pre-update p) + update
        let lr = s.lr, lrwd = s.lrwd
        i = 0
        while i + 8 <= cnt {
            let gi = SIMD8<Float>.load(x + i), pi = SIMD8<Float>.load(p + i)
            let decay = (lrwd * pi).replacing(with: 0, where: gi * pi .< 0)
            (pi - (lr * gi + decay)).store(p + i)
            i += 8
        }
        while i < cnt {
            let gi = x[i], pi = p[i]
            let decay: Float = gi * pi >= 0 ? lrwd * pi : 0
            p[i] = pi - (lr * gi + decay)
            i += 1
        }
    }

    /// NorMuon: per-row (m ≥ n) or per-column (m < n) second moment, rescaled so ‖g‖_F is preserved.
    static func normuon(x: UnsafeMutablePointer<Float>, s2: UnsafeMutablePointer<Float>, m: Int, n: Int,
                        w2: Float, _ ws: Workspace) {
        let rows = m >= n
        let len = rows ? m : n               // entries of v_mean
        let N = rows ? n : m                 // size of the reduced dim
        let vmean = ws.v
        if rows {
            for r in 0..<m { vmean[r] = Float(sumSquares(x + r * n, n) / Double(n)) }
        } else {
            let acc = ws.acc
            acc.update(repeating: 0, count: n)
            for r in 0..<m {
                let row = x + r * n
                for j in 0..<n { acc[j] += Double(row[j] * row[j]) }
            }
            for j in 0..<n { vmean[j] = Float(acc[j] / Double(m)) }
        }
        let fN = Float(N)
        var vsum: Float = 0
        for i in 0..<len { vsum += vmean[i] }
        let vnorm = (vsum * fN).squareRoot()
        var scaledSum: Float = 0
        for i in 0..<len {
            s2[i] = lerp(s2[i], vmean[i], w2)
            let st = 1 / max(s2[i], 1e-10).squareRoot()
            scaledSum += (vmean[i] * fN) * (st * st)
            vmean[i] = st                      // reuse: v now holds the rsqrt step
        }
        let ratio = vnorm / max(scaledSum.squareRoot(), 1e-10)
        if rows {
            for r in 0..<m {
                let f = vmean[r] * ratio
                let row = x + r * n
                for j in 0..<n { row[j] *= f }
            }
        } else {
            for j in 0..<n { vmean[j] *= ratio }
            for r in 0..<m {
                let row = x + r * n
                for j in 0..<n { row[j] *= vmean[j] }
            }
        }
    }

    /// Σ x² over `count` floats, products in fp32 (as PyTorch squares fp32), accumulated in Double.
    @inline(__always)
    static func sumSquares(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
        // 8 independent partial sums keep the loop vectorized
        var acc = SIMD8<Double>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            var v = SIMD8<Float>()
            for k in 0..<8 { v[k] = x[i + k] }
            let sq = v * v
            acc += SIMD8<Double>(sq)
            i += 8
        }
        var t = acc.sum()
        while i < count { t += Double(x[i] * x[i]); i += 1 }
        return t
    }
}
