import XCTest
@testable import NanoChat

final class SafetensorsTests: XCTestCase {
    func testRoundTrip() throws {
        let dir = TestPaths.tempDir("st")
        let path = dir + "/a.safetensors"
        let a: [Float] = (0..<12).map { Float($0) * 0.5 - 2 }
        var w = SafetensorsWriter()
        a.withUnsafeBufferPointer { w.add("x.weight", shape: [3, 4], f32: $0.baseAddress!) }
        w.add("ids", shape: [2, 2], ints: [1, -1, 7, 32767])
        try a.withUnsafeBufferPointer { _ in try w.write(to: path, metadata: ["format": "pt"]) }
        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(try f.floats("x.weight", shape: [3, 4]), a)
        XCTAssertEqual(try f.ints("ids"), [1, -1, 7, 32767])
        XCTAssertEqual(f.metadata["format"], "pt")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    func testClearErrors() throws {
        let dir = TestPaths.tempDir("st")
        let path = dir + "/a.safetensors"
        var w = SafetensorsWriter()
        w.add("x", shape: [4], floats: [1, 2, 3, 4])
        try w.write(to: path)
        // wrong shape
        XCTAssertThrowsError(try SafetensorsFile(path: path).floats("x", shape: [2, 2])) {
            XCTAssertTrue("\($0)".contains("expected [2, 2]"), "\($0)")
        }
        // missing tensor
        XCTAssertThrowsError(try SafetensorsFile(path: path).floats("y")) { XCTAssertTrue("\($0)".contains("missing tensor y")) }
        // truncated
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        try full.prefix(full.count - 3).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafetensorsFile(path: path)) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        // garbage
        try Data("hello world, not a tensor file".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafetensorsFile(path: path)) { XCTAssertTrue("\($0)".contains(path), "\($0)") }
        XCTAssertThrowsError(try SafetensorsFile(path: dir + "/nope.safetensors")) { XCTAssertTrue("\($0)".contains("no such file")) }
    }

    func testReadsNanochatFixture() throws {
        let f = try SafetensorsFile(path: TestPaths.fixture("nanochat_tiny/weights_init.safetensors"))
        XCTAssertEqual(try f.info("transformer.wte.weight").shape, [320, 64])
    }
}

final class LayoutTests: XCTestCase {
    func testParamCountsMatchSpec() {
        // parameter count (nanochat/gpt.py: GPT.__init__): runcpu d6 (C384, H6, D64) has 73,531,646 params; d12
        // 286,261,730
        let d6 = GPTConfig.fromDepth(6, headDim: 64, maxSeqLen: 512)
        XCTAssertEqual(ParameterLayout(config: d6).numParams, 73_531_646)
        let d12 = GPTConfig.fromDepth(12)
        XCTAssertEqual(ParameterLayout(config: d12).numParams, 286_261_730)
        XCTAssertEqual(GPTConfig.fromDepth(4).nEmbd, 256)
        XCTAssertEqual(GPTConfig(sequenceLen: 2048).windowSizes.prefix(4), [512, 512, 512, 2048])
        XCTAssertEqual(GPTConfig(sequenceLen: 256, nLayer: 3, windowPattern: "SSSL").windowSizes, [128, 128, 256])
    }

    func testLayoutMatchesFixtureNames() throws {
        let f = try SafetensorsFile(path: TestPaths.fixture("nanochat_tiny/weights_init.safetensors"))
        let cfg = GPTConfig(sequenceLen: 256, vocabSize: 320, nLayer: 3, nHead: 4, nKvHead: 2, nEmbd: 64, windowPattern: "SSSL")
        let layout = ParameterLayout(config: cfg)
        XCTAssertEqual(Set(layout.entries.map(\.name)), Set(f.tensors.keys))
        for e in layout.entries { XCTAssertEqual(try f.info(e.name).shape, e.shape, e.name) }
    }
}
