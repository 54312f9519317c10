import Foundation
import XCTest
@testable import NanoChat

/// Finite-difference checks of every layer's backward (loss = Σ w·out with random w, so ∂loss/∂out = w).
final class ModelLayerTests: XCTestCase {
    func testRMSNorm() {
        var rng = RNG(seed: 1)
        let N = 5, C = 16
        let x = Buf(N * C, normal: 1, rng: &rng), w = Buf(N * C, normal: 1, rng: &rng)
        let out = Buf(N * C), rstd = Buf(N), dx = Buf(N * C)
        for gain: Float in [1, 1.2] {
            func f() -> Double { rmsnormForward(out.p, rstd.p, x.p, N, C, gain: gain); return out.dot(w) }
            _ = f(); dx.zero()
            rmsnormBackward(dx.p, w.p, out.p, rstd.p, N, C, gain: gain)
            GradCheck.check("rmsnorm gain \(gain)", x.p, count: x.count, analytic: dx.array, h: 1e-2, loss: f)
        }
    }

    func testRotary() {
        var rng = RNG(seed: 2)
        let B = 2, T = 3, nh = 2, D = 8, N = B * T
        let tables = RotaryTables(headDim: D, rows: 10 * T)
        let x = Buf(N * nh * D, normal: 1, rng: &rng), w = Buf(N * nh * D, normal: 1, rng: &rng), y = Buf(N * nh * D)
        tables.cos.withUnsafeBufferPointer { cb in
            tables.sin.withUnsafeBufferPointer { sb in
                func f() -> Double { y.p.update(from: x.p, count: x.count); rotaryForward(y.p, N, nh, D, T, cb.baseAddress!, sb.baseAddress!); return y.dot(w) }
                let dx = Buf(x.count); dx.p.update(from: w.p, count: w.count)
                rotaryBackward(dx.p, N, nh, D, T, cb.baseAddress!, sb.baseAddress!)
                GradCheck.check("rotary", x.p, count: x.count, analytic: dx.array, loss: f)
            }
        }
        // split-half, −θ convention at position 1, pair j = 0: y1 = x1·cos + x2·sin
        XCTAssertEqual(tables.cos[tables.half], cos(1), accuracy: 1e-6)
    }

    /// Naive Double attention (mask j ≤ t, t − j ≤ left) against attentionForward.
    func naiveAttention(_ q: Buf, _ k: Buf, _ v: Buf, B: Int, T: Int, H: Int, Hkv: Int, D: Int, left: Int) -> [Float] {
        var y = [Float](repeating: 0, count: B * T * H * D)
        let scale = 1 / Double(D).squareRoot()
        for b in 0..<B { for h in 0..<H { for t in 0..<T {
            let kvh = h / (H / Hkv)
            var s = [Double](), js = [Int]()
            for j in max(0, t - left)...t {
                var d = 0.0
                for i in 0..<D { d += Double(q.p[((b * T + t) * H + h) * D + i]) * Double(k.p[((b * T + j) * Hkv + kvh) * D + i]) }
                s.append(d * scale); js.append(j)
            }
            let m = s.max()!
            let e = s.map { exp($0 - m) }, z = e.reduce(0, +)
            for i in 0..<D {
                var acc = 0.0
                for (n, j) in js.enumerated() { acc += e[n] / z * Double(v.p[((b * T + j) * Hkv + kvh) * D + i]) }
                y[((b * T + t) * H + h) * D + i] = Float(acc)
            }
        } } }
        return y
    }

    func testAttention() {
        // (T, left): short sequence with a window; long sequence spanning several query blocks with a
        // window (k0 > 0); full causal.
        for (B, T, H, Hkv, D, left) in [(2, 10, 4, 2, 8, 3), (1, 300, 2, 1, 8, 100), (1, 140, 2, 2, 8, 140)] {
            var rng = RNG(seed: UInt64(T))
            let qn = B * T * H * D, kn = B * T * Hkv * D
            let q = Buf(qn, normal: 1, rng: &rng), k = Buf(kn, normal: 1, rng: &rng), v = Buf(kn, normal: 1, rng: &rng)
            let w = Buf(qn, normal: 1, rng: &rng)
            let y = Buf(qn), lse = Buf(B * H * T)
            // two workers' scratch: (batch, kv head) pairs split between the threads where they divide evenly
            let sc = attentionScratchCount(T: T, left: left)
            let S = Buf(2 * sc), dP = Buf(S.count)
            let scratch = AttentionScratch(scores: S.p, grads: dP.p, count: sc, workers: 2)
            let serial = AttentionScratch(scores: S.p, grads: dP.p, count: sc, workers: 1)
            func f() -> Double {
                attentionForward(y.p, lse.p, q.p, k.p, v.p, B, T, H, Hkv, D, left: left, scratch: scratch)
                return y.dot(w)
            }
            _ = f()
            checkTensor(y.array, naiveAttention(q, k, v, B: B, T: T, H: H, Hkv: Hkv, D: D, left: left), rtol: 1e-5,
                        label: "attention T=\(T) left=\(left) vs naive")
            let dq = Buf(qn), dk = Buf(kn), dv = Buf(kn)
            attentionBackward(dq.p, dk.p, dv.p, w.p, q.p, k.p, v.p, y.p, lse.p, B, T, H, Hkv, D, left: left, scratch: scratch)
            // one worker (the sequence, BLAS and the row softmax on all threads) gives the same bits
            let y1 = Buf(qn), lse1 = Buf(B * H * T), dq1 = Buf(qn), dk1 = Buf(kn), dv1 = Buf(kn)
            attentionForward(y1.p, lse1.p, q.p, k.p, v.p, B, T, H, Hkv, D, left: left, scratch: serial)
            attentionBackward(dq1.p, dk1.p, dv1.p, w.p, q.p, k.p, v.p, y1.p, lse1.p, B, T, H, Hkv, D, left: left, scratch: serial)
            XCTAssertEqual(y1.array, y.array, "attention T=\(T): one worker vs two")
            XCTAssertEqual(lse1.array, lse.array, "attention lse T=\(T): one worker vs two")
            XCTAssertEqual(dq1.array, dq.array, "attention dq T=\(T): one worker vs two")
            XCTAssertEqual(dk1.array, dk.array, "attention dk T=\(T): one worker vs two")
            XCTAssertEqual(dv1.array, dv.array, "attention dv T=\(T): one worker vs two")
            GradCheck.check("attention dq T=\(T)", q.p, count: qn, analytic: dq.array, loss: f)
            GradCheck.check("attention dk T=\(T)", k.p, count: kn, analytic: dk.array, loss: f)
            GradCheck.check("attention dv T=\(T)", v.p, count: kn, analytic: dv.array, loss: f)
        }
    }

    func testReLU2LinearResidualEmbedding() {
        var rng = RNG(seed: 3)
        let N = 6, IN = 8, OUT = 5, n = N * IN
        // relu²
        let x = Buf(n, normal: 1, rng: &rng), w = Buf(n, normal: 1, rng: &rng), o = Buf(n)
        for i in 0..<n where abs(x.p[i]) < 0.05 { x.p[i] = 0.3 }   // keep FD away from the kink
        func fr() -> Double { relu2Forward(o.p, x.p, n); return o.dot(w) }
        let d = Buf(n); d.p.update(from: w.p, count: n); relu2Backward(d.p, x.p, n)
        GradCheck.check("relu2", x.p, count: n, analytic: d.array, h: 1e-3, loss: fr)
        // linear
        let W = Buf(OUT * IN, normal: 0.5, rng: &rng), wy = Buf(N * OUT, normal: 1, rng: &rng), y = Buf(N * OUT)
        func fl() -> Double { linearForward(x.p, [LinearOutput(W: W.p, out: y.p, OUT: OUT)], N, IN); return y.dot(wy) }
        let dx = Buf(n), dW = Buf(OUT * IN)
        linearBackward(dx.p, dW.p, wy.p, x.p, W.p, N, IN, OUT)
        GradCheck.check("linear dx", x.p, count: n, analytic: dx.array, loss: fl)
        GradCheck.check("linear dW", W.p, count: W.count, analytic: dW.array, loss: fl)
        // residual mix: out = a·x + b·x0
        let x0 = Buf(n, normal: 1, rng: &rng), ab = Buf(2); ab.p[0] = 1.1; ab.p[1] = 0.2
        func fm() -> Double { residualMixForward(o.p, x.p, x0.p, ab.p[0], ab.p[1], n); return o.dot(w) }
        let dd = Buf(n), dx0 = Buf(n), dab = Buf(2)
        dd.p.update(from: w.p, count: n)
        residualMixBackward(dd.p, dx0.p, dab.p, dab.p + 1, x.p, x0.p, ab.p[0], ab.p[1], n)
        GradCheck.check("resid mix dx", x.p, count: n, analytic: dd.array, loss: fm)
        GradCheck.check("resid mix dx0", x0.p, count: n, analytic: dx0.array, loss: fm)
        GradCheck.check("resid mix dlambdas", ab.p, count: 2, analytic: dab.array, top: 2, random: 0, loss: fm)
        // embedding (repeated ids)
        let V = 7, C = 4
        let table = Buf(V * C, normal: 1, rng: &rng), idx: [Int32] = [1, 3, 1, 6, 0, 3]
        let e = Buf(idx.count * C), we = Buf(idx.count * C, normal: 1, rng: &rng), dt = Buf(V * C)
        idx.withUnsafeBufferPointer { ib in
            func fe() -> Double { embeddingForward(e.p, ib.baseAddress!, table.p, idx.count, C); return e.dot(we) }
            embeddingBackward(dt.p, we.p, ib.baseAddress!, idx.count, C)
            GradCheck.check("embedding", table.p, count: table.count, analytic: dt.array, loss: fe)
        }
    }

    func testSmear() {
        var rng = RNG(seed: 4)
        let B = 2, T = 5, C = 32, N = B * T
        let x = Buf(N * C, normal: 1, rng: &rng), w = Buf(N * C, normal: 1, rng: &rng)
        let g = Buf(24, normal: 0.3, rng: &rng), lam = Buf(1); lam.p[0] = 0.6
        let out = Buf(N * C), sig = Buf(N)
        func f() -> Double { smearForward(out.p, sig.p, x.p, g.p, lam.p[0], B, T, C); return out.dot(w) }
        _ = f()
        let dx = Buf(N * C), dg = Buf(24), dl = Buf(1)
        let scr = Buf(2 * N)
        smearBackward(dx.p, dg.p, dl.p, w.p, x.p, sig.p, g.p, lam.p[0], B, T, C, scratch: scr.p)
        GradCheck.check("smear dx", x.p, count: x.count, analytic: dx.array, loss: f)
        GradCheck.check("smear dgate", g.p, count: 24, analytic: dg.array, loss: f)
        GradCheck.check("smear dlambda", lam.p, count: 1, analytic: dl.array, top: 1, random: 0, loss: f)
        // first token of every row is untouched; later ones use the PRE-smear previous token
        _ = f()
        for c in 0..<C { XCTAssertEqual(out.p[T * C + c], x.p[T * C + c]) }
        let s = 1 / (1 + exp(-(0..<24).reduce(Float(0)) { $0 + x.p[C + $1] * g.p[$1] }))
        XCTAssertEqual(out.p[C + 3], x.p[C + 3] + 0.6 * s * x.p[3], accuracy: 1e-5)
    }

    func testValueEmbedding() {
        var rng = RNG(seed: 5)
        let N = 6, Hkv = 2, D = 8, C = 16, Vp = 5
        let v0 = Buf(N * Hkv * D, normal: 1, rng: &rng), xn = Buf(N * C, normal: 1, rng: &rng)
        let wg = Buf(Hkv * 12, normal: 0.3, rng: &rng), table = Buf(Vp * Hkv * D, normal: 1, rng: &rng)
        let w = Buf(N * Hkv * D, normal: 1, rng: &rng), v = Buf(N * Hkv * D), gate = Buf(N * Hkv)
        let idx: [Int32] = [0, 2, 2, 4, 1, 2]
        idx.withUnsafeBufferPointer { ib in
            func f() -> Double {
                v.p.update(from: v0.p, count: v0.count)
                valueEmbedForward(v.p, gate.p, xn.p, wg.p, table.p, ib.baseAddress!, N, Hkv, D, C)
                return v.dot(w)
            }
            _ = f()
            let dxn = Buf(N * C), dwg = Buf(Hkv * 12), dt = Buf(table.count)
            let scr = Buf(N * Hkv)
            valueEmbedBackward(dxn.p, dwg.p, dt.p, w.p, gate.p, xn.p, wg.p, table.p, ib.baseAddress!, N, Hkv, D, C, scratch: scr.p)
            GradCheck.check("ve dxn", xn.p, count: xn.count, analytic: dxn.array, loss: f)
            GradCheck.check("ve dgate", wg.p, count: wg.count, analytic: dwg.array, loss: f)
            GradCheck.check("ve dtable", table.p, count: table.count, analytic: dt.array, loss: f)
        }
    }

    func testHeadSoftcapCrossEntropy() {
        var rng = RNG(seed: 6)
        let N = 7, C = 16, V = 40, Vp = 64, R = 3
        let x = Buf(N * C, normal: 1, rng: &rng), W = Buf(Vp * C, normal: 1.5, rng: &rng)   // logits ~6: softcap bites
        let targets: [Int32] = [3, -1, 39, 0, 17, -1, 5]
        let losses = Buf(N), chunk = Buf(R * V), dx = Buf(N * C), dW = Buf(Vp * C), scr = Buf(4 * V)
        let scale: Float = 1 / 5
        targets.withUnsafeBufferPointer { tb in
            func f() -> Double {
                var o = HeadOutputs(); o.losses = losses.p
                lmHeadForward(o, x.p, .fp32(W.p), tb.baseAddress!, N, C, V, chunk: chunk.p, rows: R, scratch: scr.p, workers: 4)
                return losses.array.reduce(0.0) { $0 + Double($1) } * Double(scale)
            }
            var o = HeadOutputs(); o.losses = losses.p; o.dx = dx.p; o.dW = dW.p; o.scale = scale
            lmHeadForward(o, x.p, .fp32(W.p), tb.baseAddress!, N, C, V, chunk: chunk.p, rows: R, scratch: scr.p, workers: 4)
            XCTAssertEqual(losses.p[1], 0); XCTAssertEqual(losses.p[5], 0)
            // reference CE for row 0 in Double
            var z = [Double](repeating: 0, count: V)
            for j in 0..<V { var s = 0.0; for c in 0..<C { s += Double(x.p[c]) * Double(W.p[j * C + c]) }; z[j] = 15 * tanh(s / 15) }
            let m = z.max()!, lse = m + log(z.reduce(0) { $0 + exp($1 - m) })
            XCTAssertEqual(Double(losses.p[0]), lse - z[3], accuracy: 1e-5)
            GradCheck.check("head dx", x.p, count: x.count, analytic: dx.array, loss: f)
            GradCheck.check("head dW", W.p, count: W.count, analytic: dW.array, loss: f)
            for i in (V * C)..<(Vp * C) { XCTAssertEqual(dW.p[i], 0) }   // padded rows get no gradient
        }
    }

    func testFastMath() {
        // vexp / vtanh against libm over the ranges the model uses
        var maxE = 0.0, maxT = 0.0
        var x: Float = -30
        while x < 30 {
            var v = F8(); for i in 0..<8 { v[i] = x + Float(i) * 0.001 }
            let e = vexp(v), t = vtanh(v)
            for i in 0..<8 {
                let xd = Double(v[i])
                maxE = max(maxE, abs(Double(e[i]) - exp(xd)) / exp(xd))
                maxT = max(maxT, abs(Double(t[i]) - tanh(xd)))
            }
            x += 0.0173
        }
        print("vexp max rel err \(maxE), vtanh max abs err \(maxT)")
        XCTAssertLessThan(maxE, 5e-7); XCTAssertLessThan(maxT, 1e-6)
    }
}
