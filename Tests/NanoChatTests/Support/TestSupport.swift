import Foundation
import XCTest
@testable import NanoChat

/// Paths of committed fixtures (Tests/NanoChatTests/Fixtures) and of ../shared (optional).
enum TestPaths {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = testsDir + "/Fixtures"
    static let repoRoot = URL(fileURLWithPath: testsDir).deletingLastPathComponent().deletingLastPathComponent().path
    /// ../shared next to the repo, or nil (tests using it skip cleanly).
    static var shared: String? {
        let p = URL(fileURLWithPath: repoRoot).deletingLastPathComponent().path + "/shared"
        return FileManager.default.fileExists(atPath: p + "/data") ? p : nil
    }
    static func fixture(_ rel: String) -> String { fixtures + "/" + rel }
    static func tempDir(_ name: String = "t") -> String {
        let p = NSTemporaryDirectory() + "nanochat-test-\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}

/// llm.c-style tensor check: max |a-b| relative to max |b|; prints a summary line per tensor.
@discardableResult
func checkTensor(_ a: [Float], _ b: [Float], rtol: Double, label: String,
                 file: StaticString = #filePath, line: UInt = #line) -> Double {
    XCTAssertEqual(a.count, b.count, "\(label): size", file: file, line: line)
    var maxDiff = 0.0, maxRef = 0.0
    for i in 0..<min(a.count, b.count) {
        maxDiff = max(maxDiff, Double(abs(a[i] - b[i])))
        maxRef = max(maxRef, Double(abs(b[i])))
    }
    let rel = maxDiff / max(maxRef, 1e-30)
    print(String(format: "  %@: maxdiff %.3e, max|ref| %.3e, rel %.3e %@", label, maxDiff, maxRef, rel, rel <= rtol ? "OK" : "FAIL"))
    XCTAssertLessThanOrEqual(rel, rtol, "\(label): max rel diff \(rel)", file: file, line: line)
    return rel
}

/// The body must throw a NanoChatError whose message is one line and contains every part.
func assertOneLineError(_ body: () throws -> Void, contains parts: [String],
                        file: StaticString = #filePath, line: UInt = #line) {
    do {
        try body()
        XCTFail("expected an error containing \(parts)", file: file, line: line)
    } catch let e as NanoChatError {
        print("  error: \(e.message)")
        XCTAssertFalse(e.message.contains("\n"), "error is not one line: \(e.message)", file: file, line: line)
        for p in parts { XCTAssertTrue(e.message.contains(p), "'\(e.message)' lacks '\(p)'", file: file, line: line) }
    } catch {
        XCTFail("not a NanoChatError: \(error)", file: file, line: line)
    }
}

func assertOneLineError(_ body: () throws -> Void, contains part: String,
                        file: StaticString = #filePath, line: UInt = #line) {
    assertOneLineError(body, contains: [part], file: file, line: line)
}
