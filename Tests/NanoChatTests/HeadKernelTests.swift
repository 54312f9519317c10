import Foundation
import XCTest
import CKernels
@testable import NanoChat

/// The lm-head's row passes in C (CKernels/head.c, AVX-512 when the CPU has it) against the Swift 8-lane math they
/// replaced (Math/Vector.swift: vtanh, vexp): bit for bit, on every lane, for ordinary, extreme and NaN logits.
final class HeadKernelTests: XCTestCase {
    /// Logits a trained or diverging model can produce: ordinary ones, the clamp edges of tanh, zeros, huge,
    /// infinite and NaN values; n8 covers an odd number of 8-lane blocks (the C kernels' half-vector tail).
    func logits(_ n: Int, seed: UInt64) -> [Float] {
        var rng = RNG(seed: seed)
        let special: [Float] = [0, -0, 15, -15, 118.5, -118.6, 1e30, -1e30, .infinity, -.infinity, .nan, 1e-40]
        return (0..<n).map { i in i % 37 == 5 ? special[(i / 37) % special.count] : Float(rng.normal()) * 12 }
    }

    func testSoftcapExpMatchesTheSwiftLanes() {
        let n8 = 8 * 203
        for seed: UInt64 in [1, 2, 3] {
            let x = logits(n8, seed: seed)
            var row = x, e = [Float](repeating: 0, count: n8)
            var s8 = F8()
            row.withUnsafeMutableBufferPointer { r in
                e.withUnsafeMutableBufferPointer { eb in
                    withUnsafeMutableBytes(of: &s8) {
                        nc_head_softcap_exp(r.baseAddress!, eb.baseAddress!, n8, $0.baseAddress!.assumingMemoryBound(to: Float.self))
                    }
                }
            }
            var ref8 = F8()
            let cap = F8(repeating: softcap), invCap = F8(repeating: 1 / softcap)
            for b in stride(from: 0, to: n8, by: 8) {
                var v = F8()
                for k in 0..<8 { v[k] = x[b + k] }
                let z = cap * vtanh(v * invCap), ez = vexp(z - cap)
                for k in 0..<8 {
                    XCTAssertEqual(row[b + k].bitPattern, z[k].bitPattern, "z at \(b + k), x = \(x[b + k])")
                    XCTAssertEqual(e[b + k].bitPattern, ez[k].bitPattern, "e at \(b + k), x = \(x[b + k])")
                }
                ref8 += ez
            }
            for k in 0..<8 { XCTAssertEqual(s8[k].bitPattern, ref8[k].bitPattern, "partial sum \(k)") }
        }
    }

    func testDlogitsMatchesTheSwiftLanes() {
        let n8 = 8 * 67
        var rng = RNG(seed: 9)
        let z = (0..<n8).map { _ in Float(rng.normal()) * 5 }, e = (0..<n8).map { _ in Float(rng.uniform()) }
        let inv: Float = 1 / 37.25, scale: Float = 1 / 512
        var row = z
        row.withUnsafeMutableBufferPointer { r in e.withUnsafeBufferPointer { nc_head_dlogits(r.baseAddress!, $0.baseAddress!, n8, inv, scale) } }
        let invCap = F8(repeating: 1 / softcap), one = F8(repeating: 1)
        for b in stride(from: 0, to: n8, by: 8) {
            var zv = F8(), ev = F8()
            for k in 0..<8 { zv[k] = z[b + k]; ev[k] = e[b + k] }
            let t = zv * invCap
            let d = ev * F8(repeating: inv) * (one - t * t) * F8(repeating: scale)
            for k in 0..<8 { XCTAssertEqual(row[b + k].bitPattern, d[k].bitPattern, "dlogit at \(b + k)") }
        }
    }
}
