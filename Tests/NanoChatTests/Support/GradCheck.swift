import Foundation
import XCTest
@testable import NanoChat

/// Central finite differences against an analytic gradient. The forward is our fp32 code, so the
/// step is large (h ~ 1e-2, smooth functions) and the loss is accumulated in Double; the check uses the
/// entries with the largest analytic gradient (so it cannot pass on zeros) plus a few random ones, and
/// compares max |fd − analytic| against max |analytic| over them.
enum GradCheck {
    @discardableResult
    static func check(_ label: String, _ p: UnsafeMutablePointer<Float>, count: Int, analytic: [Float],
                      h: Float = 1e-2, top: Int = 3, random: Int = 3, rtol: Double = 2e-2, seed: UInt64 = 1,
                      file: StaticString = #filePath, line: UInt = #line, loss: () -> Double) -> Double {
        precondition(analytic.count == count)
        var order = Array(0..<count)
        order.sort { abs(analytic[$0]) > abs(analytic[$1]) }
        var idx = Array(order.prefix(top))
        var rng = RNG(seed: seed)
        for _ in 0..<random { idx.append(Int(rng.next() % UInt64(count))) }
        var maxDiff = 0.0, maxRef = 0.0
        for i in idx {
            let old = p[i]
            p[i] = old + h; let fp = loss()
            p[i] = old - h; let fm = loss()
            p[i] = old
            let fd = (fp - fm) / Double(2 * h)
            maxDiff = max(maxDiff, abs(fd - Double(analytic[i])))
            maxRef = max(maxRef, abs(Double(analytic[i])))
        }
        let rel = maxDiff / max(maxRef, 1e-30)
        print(String(format: "  gradcheck %@: maxdiff %.3e, max|grad| %.3e, rel %.3e", label, maxDiff, maxRef, rel))
        XCTAssertGreaterThan(maxRef, 0, "\(label): analytic gradient is all zero", file: file, line: line)
        XCTAssertLessThanOrEqual(rel, rtol, "\(label): finite differences disagree (rel \(rel))", file: file, line: line)
        return rel
    }
}

/// Owned Float storage for tests with pointer access.
final class Buf {
    let count: Int
    let p: UnsafeMutablePointer<Float>
    init(_ n: Int) { count = n; p = .allocate(capacity: max(1, n)); p.initialize(repeating: 0, count: max(1, n)) }
    convenience init(_ n: Int, normal std: Double, rng: inout RNG) { self.init(n); rng.fillNormal(p, n, std: std) }
    deinit { p.deallocate() }
    var array: [Float] { Array(UnsafeBufferPointer(start: p, count: count)) }
    func zero() { p.update(repeating: 0, count: count) }
    /// Σ w·self in Double (the scalar "loss" the layer checks differentiate).
    func dot(_ w: Buf) -> Double { (0..<count).reduce(0.0) { $0 + Double(p[$1]) * Double(w.p[$1]) } }
}
