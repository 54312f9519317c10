import XCTest
@testable import NanoChat

final class FlagsTests: XCTestCase {
    func testParsesKebabFlagsAndRejectsUnknown() throws {
        let f = Flags(program: "t", summary: "")
        f.define("depth", int: 20, "", min: 1); f.define("eval-tokens", int: 80 * 524288, "", min: 1)
        f.define("model-tag", "None", ""); f.define("lr", double: 0.02, "", min: 0)
        try f.parse(["--depth=4", "--lr", "3e-3", "--model_tag=x", "--eval-tokens=80*1024"])
        XCTAssertEqual(try f.int("depth"), 4)
        XCTAssertEqual(try f.int("eval-tokens"), 80 * 1024)
        XCTAssertEqual(try f.double("lr"), 0.003)
        XCTAssertEqual(f.optionalString("model-tag"), "x")
        assertOneLineError({ try Flags(program: "t", summary: "").parse(["--nope=1"]) }, contains: "t: unknown flag --nope")
        let g = Flags(program: "t", summary: ""); g.define("depth", int: 20, "")
        assertOneLineError({ try g.parse(["--depth=four"]) }, contains: "--depth=four is not an integer")
    }

    func flags() -> Flags {
        let f = Flags(program: "tool", summary: "s")
        f.define("depth", int: 20, "d", min: 1, max: 64)
        f.define("step", int: nil, "s", min: 0)
        f.define("every", int: -1, "e", min: 1, also: ["-1"])
        f.define("source", "base", "src", short: "i", choices: ["base", "sft"])
        f.define("lr", double: 0.02, "lr", min: 0, max: 1)
        f.define("overwrite", bool: false, "o")
        return f
    }

    func testMalformedInputIsOneLineNamingTheFlag() {
        assertOneLineError({ try self.flags().parse(["--depth"]) }, contains: ["--depth needs a value"])
        assertOneLineError({ try self.flags().parse(["--depth", "--lr=0.1"]) }, contains: ["--depth needs a value"])
        assertOneLineError({ try self.flags().parse(["--depth=3", "extra"]) }, contains: ["unexpected argument 'extra'"])
        assertOneLineError({ try self.flags().parse(["-depth=3"]) }, contains: ["-depth=3", "two dashes", "--depth=3"])
        assertOneLineError({ try self.flags().parse(["-x"]) }, contains: ["unknown flag -x"])
        assertOneLineError({ try self.flags().parse(["--dept=3"]) }, contains: ["unknown flag --dept", "did you mean --depth"])
        assertOneLineError({ try self.flags().parse(["--depth=0"]) }, contains: ["--depth=0 is out of range", "1…64"])
        assertOneLineError({ try self.flags().parse(["--depth=65"]) }, contains: ["--depth=65", "1…64"])
        assertOneLineError({ try self.flags().parse(["--depth=2.5"]) }, contains: ["--depth=2.5 is not an integer"])
        assertOneLineError({ try self.flags().parse(["--every=0"]) }, contains: ["--every=0 is out of range", "≥ 1", "-1"])
        assertOneLineError({ try self.flags().parse(["--step=-1"]) }, contains: ["--step=-1"])
        assertOneLineError({ try self.flags().parse(["--lr=nan"]) }, contains: ["--lr=nan is not a number"])
        assertOneLineError({ try self.flags().parse(["--lr=inf"]) }, contains: ["--lr=inf"])
        assertOneLineError({ try self.flags().parse(["--lr=2"]) }, contains: ["--lr=2 is out of range"])
        assertOneLineError({ try self.flags().parse(["-i", "chat"]) }, contains: ["--source=chat", "base, sft"])
        assertOneLineError({ try self.flags().parse(["--overwrite=maybe"]) }, contains: ["--overwrite=maybe is not a boolean"])
        assertOneLineError({ try self.flags().parse(["--overwrite", "1"]) }, contains: ["unexpected argument '1'"])
    }

    func testShortAliasesSpaceValuesNegativeNumbersAndBareBooleans() throws {
        var f = flags()
        try f.parse(["-i", "sft", "--every", "-1", "--depth", "8", "--overwrite"])
        XCTAssertEqual(f.string("source"), "sft")
        XCTAssertEqual(try f.int("every"), -1)
        XCTAssertEqual(try f.int("depth"), 8)
        XCTAssertTrue(try f.bool("overwrite"))
        XCTAssertNil(try f.optionalInt("step"))
        f = flags()
        try f.parse(["-i=sft", "--source", "base", "--step=None", "--overwrite=false"])
        XCTAssertEqual(f.string("source"), "base")    // last one wins, as in argparse
        XCTAssertFalse(try f.bool("overwrite"))
        XCTAssertTrue(f.usage.contains("-i, --source=base"))
        XCTAssertTrue(f.usage.contains("--depth=20   [1…64]"))
    }

    func testUserConfigIsTypedFromTheTable() throws {
        let f = flags()
        try f.parse(["--depth=4", "--overwrite"])
        let c = f.userConfig
        XCTAssertEqual(c["depth"]?.int, 4)
        XCTAssertEqual(c["step"], .null)
        XCTAssertEqual(c["source"]?.string, "base")
        XCTAssertEqual(c["overwrite"], .bool(true))
        XCTAssertEqual(c["lr"]?.double, 0.02)
    }

    /// base_train's one table: defaults round-trip, typed user config under nanochat's names, ranges.
    func testTrainOptionsTable() throws {
        let o = try TrainOptions.parse(["--depth=4", "--resume-from-step=last", "--model-tag", "x", "--target-flops=1e15"])
        XCTAssertEqual(o.depth, 4); XCTAssertEqual(o.resumeFromStep, Int.max); XCTAssertEqual(o.modelTag, "x")
        XCTAssertEqual(o.targetFlops, 1e15); XCTAssertEqual(o.headDim, TrainOptions().headDim)
        let c = o.userConfigJSON
        XCTAssertEqual(c["resume_from_step"]?.string, "last")
        XCTAssertEqual(c["depth"]?.int, 4)
        XCTAssertEqual(c["init_from"], .null)
        XCTAssertEqual(c["max_seq_len"]?.int, 512)
        XCTAssertEqual(c["warmdown_ratio"]?.double, 0.65)
        // the flag table and the saved config hold the same names in the same order
        guard case .object(let kv) = c else { return XCTFail("not an object") }
        XCTAssertEqual(kv.map(\.0), TrainOptions.flags().specs.map(\.configKey))
        for bad in ["--head-dim=0", "--device-batch-size=0", "--seed=-1", "--warmdown-ratio=1.5", "--window-pattern=SXL",
                    "--max-seq-len=0", "--total-batch-size=0", "--resume-from-step=lst"] {
            assertOneLineError({ _ = try TrainOptions.parse([bad]) }, contains: ["base_train: " + String(bad.split(separator: "=")[0])])
        }
    }

    func testAutoHorizonSaysWhereItCameFrom() throws {
        let cfg = GPTConfig.fromDepth(2, aspectRatio: 32, headDim: 32, maxSeqLen: 64, vocabSize: 4096)
        for n in [-1, 0] {
            let hp = try HyperParams.resolve(config: cfg, totalBatchSize: 256, targetParamDataRatio: 12, numIterations: n)
            XCTAssertTrue(hp.horizon.contains("--num-iterations=\(n) (auto)"), hp.horizon)
            XCTAssertTrue(hp.horizon.contains("\(hp.numIterations) steps"), hp.horizon)
            XCTAssertTrue(hp.horizon.contains("--target-param-data-ratio=12"), hp.horizon)
            XCTAssertFalse(hp.horizon.contains("\n"))
        }
        let flops = try HyperParams.resolve(config: cfg, totalBatchSize: 256, numIterations: 0, targetFlops: 1e12)
        XCTAssertTrue(flops.horizon.contains("--target-flops=1e+12"), flops.horizon)
        XCTAssertEqual(try HyperParams.resolve(config: cfg, totalBatchSize: 256, numIterations: 7).horizon,
                       "Training horizon: 7 steps (--num-iterations)")
        assertOneLineError({ _ = try HyperParams.resolve(config: cfg, totalBatchSize: 256, targetParamDataRatio: -1, numIterations: -1) },
                           contains: "no training horizon")
        assertOneLineError({ _ = try HyperParams.resolve(config: cfg, totalBatchSize: 1 << 30, targetParamDataRatio: 1, numIterations: 0) },
                           contains: ["training horizon is 0 steps", "--num-iterations"])
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

/// The one aligned allocator (Common/AlignedBlocks.swift): every block 64-byte aligned; blocks of 4 MB or more
/// start on a 2 MB boundary (so the huge-page hint covers all of them) and are whole and writable.
final class AlignedAllocatorTests: XCTestCase {
    func testSmallBlocksAreCacheLineAlignedAndLargeOnesHugePageAligned() {
        let small = UnsafeMutablePointer<Float>.allocateAligned(1000, repeating: 1)
        XCTAssertEqual(Int(bitPattern: small) % 64, 0)
        XCTAssertEqual(small[999], 1)
        UnsafeMutableRawPointer(small).deallocate()
        let n = (HugePages.threshold / 4) + 12345   // just over 4 MB of floats
        let large = UnsafeMutablePointer<Float>.allocateAligned(n, repeating: 2)
        if HugePages.enabled { XCTAssertEqual(Int(bitPattern: large) % HugePages.size, 0) }
        XCTAssertEqual(large[0], 2)
        XCTAssertEqual(large[n - 1], 2)
        UnsafeMutableRawPointer(large).deallocate()
    }
}

/// The decode pool (Threads.spinFor on CKernels/pool.c): every index once, loops back to back and after the
/// threads went to sleep, a nested loop and two callers at once (both fall back to parallelFor, no deadlock).
final class SpinPoolTests: XCTestCase {
    func check(_ n: Int, _ hits: UnsafeMutablePointer<Int>, file: StaticString = #filePath, line: UInt = #line) {
        hits.initialize(repeating: 0, count: n)
        Threads.spinFor(n) { r in for i in r { hits[i] += 1 } }
        XCTAssertEqual((0..<n).filter { hits[$0] != 1 }.count, 0, "n = \(n): an index ran other than once", file: file, line: line)
    }

    func testEveryIndexOnceBackToBackAndAfterSleeping() {
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: 1000)
        defer { hits.deallocate() }
        for round in 0..<300 {
            check([1, 2, 3, 17, 1000][round % 5], hits)
            if round % 50 == 49 { usleep(2_000) }   // past the spin window: the threads sleep and are woken
        }
    }

    func testNestedAndConcurrentCallersFallBack() {
        let total = 64
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: total * total)
        defer { hits.deallocate() }
        hits.initialize(repeating: 0, count: total * total)
        Threads.spinFor(total) { outer in
            for i in outer { Threads.spinFor(total) { inner in for j in inner { hits[i * total + j] += 1 } } }
        }
        XCTAssertEqual((0..<(total * total)).filter { hits[$0] != 1 }.count, 0, "nested loop")
        let perCaller = UnsafeMutablePointer<Int>.allocate(capacity: 2 * 1000)
        defer { perCaller.deallocate() }
        perCaller.initialize(repeating: 0, count: 2000)
        DispatchQueue.concurrentPerform(iterations: 2) { c in
            for _ in 0..<100 { Threads.spinFor(1000) { r in for i in r { perCaller[c * 1000 + i] += 1 } } }
        }
        XCTAssertEqual((0..<2000).filter { perCaller[$0] != 100 }.count, 0, "two callers at once")
    }
}
