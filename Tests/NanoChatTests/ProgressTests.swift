import Foundation
import XCTest
@testable import NanoChat

final class ProgressTests: XCTestCase {
    /// A fake clock drives the output: plain lines at most every `interval`, then the finish line.
    func testPlainLinesRateAndETA() {
        var t = 100.0, out: [String] = []
        var p = Progress("val bpb", total: 1000, unit: "tokens", style: .lines, interval: 10, clock: { t }, output: { out.append($0) })
        t = 105; p.update(100)                  // before the interval: nothing
        XCTAssertTrue(out.isEmpty)
        t = 110; p.update(250)
        XCTAssertEqual(out, ["val bpb: 250/1,000 tokens (25.0%) | 25.0 tokens/s | 10.0s elapsed, ETA 30.0s\n"])
        t = 140; p.update(1000, detail: "task 2/2")
        XCTAssertTrue(out[1].hasSuffix("ETA 0.0s | task 2/2\n"), out[1])
        p.finish("bpb 1.23")
        XCTAssertEqual(out.last, "val bpb: 1,000 tokens in 40.0s (25.0 tokens/s) | bpb 1.23\n")
    }

    /// On a terminal one line is redrawn in place and cleared before the final line; silent prints nothing.
    func testInPlaceAndSilent() {
        var t = 0.0, out: [String] = []
        var p = Progress("merges", total: nil, unit: "merges", style: .inPlace, interval: 0.2, clock: { t }, output: { out.append($0) })
        t = 1; p.update(500)
        XCTAssertEqual(out, ["\r\u{1B}[Kmerges: 500 merges | 500 merges/s | 1.0s elapsed"])
        p.clear(); p.clear()
        XCTAssertEqual(out.count, 2)            // cleared once: the line was on screen only once
        t = 2; p.finish()
        XCTAssertEqual(out.last, "merges: 500 merges in 2.0s (250 merges/s)\n")
        var quiet: [String] = []
        var q = Progress("x", total: 10, unit: "u", style: .silent, clock: { t }, output: { quiet.append($0) })
        t = 100; q.update(5); q.finish()
        XCTAssertTrue(quiet.isEmpty)
    }

    func testFormats() {
        XCTAssertEqual(Progress.duration(4.24), "4.2s")
        XCTAssertEqual(Progress.duration(65), "1m05s")
        XCTAssertEqual(Progress.duration(7380), "2h03m")
        XCTAssertEqual(Progress.duration(.infinity), "?")
        XCTAssertEqual(Progress.rate(12_345.4), "12,345")
        XCTAssertEqual(Progress.rate(0.5123), "0.51")
    }
}
