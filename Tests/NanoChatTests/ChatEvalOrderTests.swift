import Foundation
import XCTest
@testable import NanoChat

/// The problem order of chat_eval: numpy's `default_rng(42).permutation(n)` (HF `shuffle(seed=42)`),
/// against values numpy itself produced (Fixtures/numpy_permutation.json).
final class ChatEvalOrderTests: XCTestCase {
    func testPermutationEqualsNumpy() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("numpy_permutation.json")))
        let perms = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["perms"] as? [String: Any])
        for (key, value) in perms {
            if key.hasPrefix("seed") {
                let parts = key.dropFirst(4).split(separator: "_")
                let seed = UInt32(parts[0])!, n = Int(parts[1])!
                XCTAssertEqual(NumpyPermutation.permutation(n, seed: seed), value as? [Int], key)
                continue
            }
            let n = Int(key)!, ref = value as! [String: Any]
            let p = NumpyPermutation.permutation(n)
            XCTAssertEqual(Array(p.prefix(20)), ref["head"] as? [Int], "n=\(n) head")
            XCTAssertEqual(Array(p.suffix(20)), ref["tail"] as? [Int], "n=\(n) tail")
            XCTAssertEqual(p.enumerated().reduce(0) { $0 + $1.offset * $1.element }, ref["weighted_sum"] as? Int, "n=\(n) sum")
            XCTAssertEqual(Set(p).count, n)
        }
    }
}
