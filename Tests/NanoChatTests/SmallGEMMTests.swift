import Foundation
import XCTest
@testable import NanoChat

/// The decode GEMV (smallMatmulNT over CKernels' nc_gemv_f32 / nc_gemv_bf16) computes, bit for bit, the
/// sum its header documents, for every M, K (with and without a tail), row range and weight type; several
/// segments in one call give what separate calls give.
final class SmallGEMMTests: XCTestCase {
    /// The documented order: lane l of 16 fuses x·w for k ≡ l (mod 16) in increasing k, the lanes are
    /// summed as a tree ((l, l+8), (l, l+4), (l, l+2), (0, 1)), then the tail is fused in order.
    private func reference(_ x: [Float], _ w: [Float], m: Int, o: Int, K: Int) -> Float {
        var lanes = [Float](repeating: 0, count: 16)
        let k16 = K / 16 * 16
        for k in 0..<k16 { lanes[k % 16] = lanes[k % 16].addingProduct(x[m * K + k], w[o * K + k]) }
        var width = 8
        while width >= 1 {
            for l in 0..<width { lanes[l] = lanes[l] + lanes[l + width] }
            width /= 2
        }
        var s = lanes[0]
        for k in k16..<K { s = s.addingProduct(x[m * K + k], w[o * K + k]) }
        return s
    }

    func testEveryOutputIsTheDocumentedSum() {
        var rng = RNG(seed: 5)
        // short rows go one at a time, longer ones in tiles (decode_impl.h: group): K 400 (1.6 KB fp32) tiles at every
        // M; 300 (1.2 KB) tiles from M = 2 in fp32, one at a time in bf16 and at M = 1; 777 a tail past the tiles;
        // M 3–8 one x tile of 2-row tiles on AVX-512, 9 and 16 more than one x tile; on the default target (x tiles of 3)
        // M 4–16 run k in blocks with the lanes kept between them: 400, 777, 1500 and 2000 take 2–8 blocks (and a tail)
        let shapes = [(1, 64, 37), (2, 48, 16), (3, 100, 9), (4, 16, 25), (5, 7, 12), (8, 192, 41), (13, 40, 8), (32, 64, 19),
                      (1, 400, 29), (1, 300, 17), (2, 300, 19), (5, 400, 23), (9, 777, 13),
                      (6, 777, 11), (7, 300, 9), (8, 400, 21), (16, 400, 7), (12, 1500, 9), (16, 2000, 5), (17, 400, 5)]
        for (M, K, rows) in shapes {
            let x = (0..<(M * K)).map { _ in Float(rng.uniform() - 0.5) }
            let w = (0..<(rows * K)).map { _ in Float(rng.uniform() - 0.5) }
            let w16 = w.map { BF16($0) }, wide = w16.map { $0.float }
            for bf16 in [false, true] {
                let ldOut = rows + 3   // a padded output stride
                var out = [Float](repeating: .nan, count: M * ldOut)
                x.withUnsafeBufferPointer { xb in
                    out.withUnsafeMutableBufferPointer { ob in
                        if bf16 {
                            w16.withUnsafeBufferPointer {
                                smallMatmulNT(xb.baseAddress!, [GEMVSegment(weights: $0.baseAddress!, out: ob.baseAddress!, rows: rows, ldOut: ldOut)], M: M, K: K)
                            }
                        } else {
                            w.withUnsafeBufferPointer {
                                smallMatmulNT(xb.baseAddress!, [GEMVSegment(weights: $0.baseAddress!, out: ob.baseAddress!, rows: rows, ldOut: ldOut)], M: M, K: K)
                            }
                        }
                    }
                }
                for m in 0..<M {
                    for o in 0..<rows {
                        let want = reference(x, bf16 ? wide : w, m: m, o: o, K: K)
                        XCTAssertEqual(out[m * ldOut + o].bitPattern, want.bitPattern, "M \(M) K \(K) row \(o) of \(rows), m \(m), bf16 \(bf16)")
                    }
                    for o in rows..<ldOut { XCTAssertTrue(out[m * ldOut + o].isNaN, "wrote past the segment's rows") }
                }
            }
        }
    }

    func testSegmentsInOneCallEqualSeparateCalls() {
        var rng = RNG(seed: 9)
        let M = 6, K = 80, sizes = [24, 7, 300]   // q, k, v of unequal sizes: chunks span segment borders
        let x = (0..<(M * K)).map { _ in Float(rng.uniform() - 0.5) }
        let ws = sizes.map { n in (0..<(n * K)).map { _ in Float(rng.uniform() - 0.5) } }
        var together = sizes.map { [Float](repeating: 0, count: M * $0) }, apart = together
        x.withUnsafeBufferPointer { xb in
            let wp = ws.map { w -> UnsafeMutablePointer<Float> in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: w.count); p.initialize(from: w, count: w.count); return p
            }
            let op = together.map { o -> UnsafeMutablePointer<Float> in .allocate(capacity: o.count) }
            defer { wp.forEach { $0.deallocate() }; op.forEach { $0.deallocate() } }
            smallMatmulNT(xb.baseAddress!, sizes.indices.map { GEMVSegment(weights: UnsafePointer(wp[$0]), out: op[$0], rows: sizes[$0], ldOut: sizes[$0]) }, M: M, K: K)
            for i in sizes.indices { together[i] = Array(UnsafeBufferPointer(start: op[i], count: M * sizes[i])) }
            for i in sizes.indices {
                smallMatmulNT(xb.baseAddress!, [GEMVSegment(weights: UnsafePointer(wp[i]), out: op[i], rows: sizes[i], ldOut: sizes[i])], M: M, K: K)
                apart[i] = Array(UnsafeBufferPointer(start: op[i], count: M * sizes[i]))
            }
        }
        XCTAssertEqual(together, apart)
    }
}
