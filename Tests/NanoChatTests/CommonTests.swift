import XCTest
@testable import NanoChat

final class FlagsTests: XCTestCase {
    func testParsesKebabFlagsAndRejectsUnknown() throws {
        let f = Flags(program: "t", summary: "")
        f.define("depth", "20", ""); f.define("eval-tokens", "80*524288", ""); f.define("model-tag", "None", "")
        f.define("lr", "0.02", "")
        try f.parse(["--depth=4", "--lr", "3e-3", "--model_tag=x"])
        XCTAssertEqual(try f.int("depth"), 4)
        XCTAssertEqual(try f.int("eval-tokens"), 80 * 524288)
        XCTAssertEqual(try f.double("lr"), 0.003)
        XCTAssertEqual(f.optionalString("model-tag"), "x")
        XCTAssertThrowsError(try Flags(program: "t", summary: "").parse(["--nope=1"])) {
            XCTAssertTrue("\($0)".hasPrefix("t: unknown flag --nope"), "\($0)")
        }
        let g = Flags(program: "t", summary: ""); g.define("depth", "20", "")
        try g.parse(["--depth=four"])
        XCTAssertThrowsError(try g.int("depth")) { XCTAssertTrue("\($0)".contains("is not an integer")) }
    }
}

final class JSONValueTests: XCTestCase {
    func testInfinityAndNaNRoundTrip() throws {
        let v: JSONValue = .object([("step", .int(20)), ("val_bpb", .null),
                                    ("loop_state", .object([("min_val_bpb", .double(.infinity)), ("smooth", .double(1.25))])),
                                    ("s", .string("a\"b\n"))])
        let text = v.serialized()
        XCTAssertTrue(text.contains("\"min_val_bpb\": Infinity"))
        let back = try JSONValue.parse(text, file: "m.json")
        XCTAssertEqual(back["loop_state"]?["min_val_bpb"]?.double, .infinity)
        XCTAssertEqual(back["loop_state"]?["smooth"]?.double, 1.25)
        XCTAssertEqual(back["s"]?.string, "a\"b\n")
        XCTAssertEqual(back["step"]?.int, 20)
        // doubles survive exactly (exact resume of the loss EMA depends on it)
        let x = 0.1 + 0.2
        XCTAssertEqual(try JSONValue.parse(JSONValue.double(x).serialized(), file: "x").double, x)
        XCTAssertThrowsError(try JSONValue.parse("{\"a\": }", file: "bad.json")) { XCTAssertTrue("\($0)".hasPrefix("bad.json: malformed JSON")) }
    }
}
