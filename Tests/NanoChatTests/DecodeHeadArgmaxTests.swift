import Foundation
import XCTest
@testable import NanoChat

/// The decode head's fused argmax (HeadArgmax) picks exactly what greedy sampling's scan picks over the
/// logits it wrote: random heads in fp32 and bf16 for 1...32 rows, and hand-made rows with ties inside and
/// across slices, NaNs and −∞.
final class DecodeHeadArgmaxTests: XCTestCase {
    func testFusedArgmaxEqualsScanOverTheLogits() {
        var rng = RNG(seed: 21)
        let C = 40, V = 1001   // V odd: a partial last slice and a scalar tail
        let w = (0..<(V * C)).map { _ in Float(rng.uniform() - 0.5) }, w16 = w.map { BF16($0) }
        for M in [1, 3, 8, 32] {
            var x = (0..<(M * C)).map { _ in Float(rng.uniform() - 0.5) * 40 }
            if M == 3 { for j in 0..<C { x[C + j] = 0 } }   // row 1: every logit 0, the first wins
            for bf16 in [false, true] {
                var logits = [Float](repeating: 0, count: M * V), picks = [Int32](repeating: -7, count: M)
                x.withUnsafeBufferPointer { xb in
                    logits.withUnsafeMutableBufferPointer { lb in
                        picks.withUnsafeMutableBufferPointer { pb in
                            if bf16 {
                                w16.withUnsafeBufferPointer { decodeHead(lb.baseAddress!, xb.baseAddress!, $0.baseAddress!, M, C, V, argmax: pb.baseAddress!) }
                            } else {
                                w.withUnsafeBufferPointer { decodeHead(lb.baseAddress!, xb.baseAddress!, $0.baseAddress!, M, C, V, argmax: pb.baseAddress!) }
                            }
                        }
                    }
                }
                let scans = logits.withUnsafeBufferPointer { lb in (0..<M).map { firstArgmax(UnsafeBufferPointer(rebasing: lb[($0 * V)..<(($0 + 1) * V)])) } }
                XCTAssertEqual(picks, scans, "M = \(M), bf16 \(bf16)")
                if M == 3 { XCTAssertEqual(picks[1], 0) }
            }
        }
    }

    func testSliceCombineOnTiesNaNsAndInfinities() {
        let V = 1000
        let h = HeadArgmax(M: 1, V: V, out: .allocate(capacity: 1))
        defer { h.out.deallocate() }
        func pick(_ z: [Float]) -> Int32 {
            z.withUnsafeBufferPointer { zb in
                var lo = 0
                while lo < V { h.record(zb.baseAddress!, 0, lo, min(V, lo + h.chunkRows)); lo += h.chunkRows }
                h.finish(zb.baseAddress!)
            }
            return h.out[0]
        }
        func scan(_ z: [Float]) -> Int32 { z.withUnsafeBufferPointer { firstArgmax($0) } }
        XCTAssertGreaterThan(h.chunks, 2)
        var cases: [[Float]] = []
        var z = [Float](repeating: 1, count: V); cases.append(z)                 // all equal: 0
        z[h.chunkRows + 3] = 2; z[2 * h.chunkRows] = 2; z[V - 1] = 2; cases.append(z)   // ties across slices
        z = [Float](repeating: -.infinity, count: V); cases.append(z)            // nothing above −∞: 0
        z[V - 2] = -3; cases.append(z)
        z = (0..<V).map { Float($0 % 17) }; cases.append(z)                     // ties inside slices
        z[0] = .nan; cases.append(z)                                             // NaN first: it wins
        z[0] = -1; z[5] = .nan; z[h.chunkRows] = .nan; cases.append(z)           // NaNs elsewhere never win
        z = [Float](repeating: .nan, count: V); z[V - 1] = 0; cases.append(z)
        z = [Float](repeating: 0, count: V); z[7] = -0.0; z[3] = -0.0; cases.append(z)   // −0 == +0: the first
        for (i, c) in cases.enumerated() { XCTAssertEqual(pick(c), scan(c), "case \(i)") }
    }
}
