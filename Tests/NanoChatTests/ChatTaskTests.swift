import XCTest
@testable import NanoChat

/// Task readers and the --mixture flag on bad input: one line naming the file and line.
final class ChatTaskTests: XCTestCase {
    func write(_ dir: String, _ name: String, _ text: String) -> String {
        let p = dir + "/" + name
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func testBadInputNamesFileAndLine() throws {
        let dir = TestPaths.tempDir("tasks")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ok = #"[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]"#
        let malformed = write(dir, "bad.jsonl", ok + "\n\n" + #"[{"role":"user","content":"Hi"}"# + "\n")
        assertOneLineError({ _ = try CustomJSON(path: malformed) }, contains: [malformed + ":3", "malformed JSON"])
        let noAlt = write(dir, "alt.jsonl", ok + "\n" + #"[{"role":"user","content":"a"},{"role":"user","content":"b"}]"# + "\n")
        assertOneLineError({ _ = try CustomJSON(path: noAlt) }, contains: [noAlt + ":2", "alternate"])
        let part = write(dir, "part.jsonl", #"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"video","text":"x"}]}]}"# + "\n")
        assertOneLineError({ _ = try SmolTalk(path: part) }, contains: [part + ":1", "unknown part type"])
        let mmlu = write(dir, "m.csv", "question,choice0,choice1,choice2,choice3,answer\nq1,a,b,c,d,2\n\"q2\nspans lines\",a,b,c,d,4\n")
        assertOneLineError({ _ = try MMLU(path: mmlu) }, contains: [mmlu + ":3", "answer '4'"])
        let gsm = write(dir, "g.jsonl", #"{"question":"q"}"# + "\n")
        assertOneLineError({ _ = try GSM8K(path: gsm) }, contains: [gsm + ":1", "answer"])
        let alpaca = write(dir, "a.json", #"[{"instruction":"i","input":"","output":"o"},{"instruction":"j"}]"#)
        assertOneLineError({ _ = try Alpaca(path: alpaca) }, contains: [alpaca, "record 2"])
        assertOneLineError({ _ = try MixtureSpec.parse("gsm8k:\(dir)/missing.jsonl:4", flag: "mixture") },
                           contains: ["--mixture", "missing.jsonl", "no such file"])
        assertOneLineError({ _ = try MixtureSpec.parse(" , ", flag: "mixture") }, contains: ["--mixture", "empty mixture"])
        assertOneLineError({ _ = try MixtureSpec.parse("poetry:\(gsm):1", flag: "val-mixture") }, contains: ["--val-mixture", "task one of"])
        assertOneLineError({ _ = try MixtureSpec.parse("gsm8k:\(gsm):0", flag: "mixture") }, contains: ["epochs"])
    }

    func testMixtureSpecAndTasks() throws {
        let dir = TestPaths.tempDir("mix")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = write(dir, "a.json", #"[{"instruction":"Add","input":"2 and 3","output":"5"},{"instruction":"Hi","input":"","output":"Hello"},{"instruction":"x","output":"y"}]"#)
        let c = write(dir, "c.jsonl", #"[{"role":"system","content":"S"},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]"# + "\n")
        let entries = try MixtureSpec.parse("alpaca:\(a):2:1-,customjson:\(c)", flag: "mixture")
        XCTAssertEqual(entries, [MixtureEntry(task: "alpaca", path: a, epochs: 2, start: 1, stop: nil), MixtureEntry(task: "customjson", path: c)])
        let mix = try MixtureSpec.mixture(entries)
        XCTAssertEqual(mix.count, 2 * 2 + 1)
        let alp = try MixtureSpec.task(MixtureEntry(task: "alpaca", path: a))
        XCTAssertEqual(try alp.conversation(at: 0).messages, [ChatMessage(.user, "Add\n\n2 and 3"), ChatMessage(.assistant, "5")])
        XCTAssertEqual(try MixtureSpec.task(MixtureEntry(task: "alpaca", path: a, start: 1, stop: 2)).count, 1)
        // defaults: nothing in sft_data → empty; never ARC or MMLU test in the train list
        let d = MixtureSpec.defaults(sftDataDir: dir + "/none")
        XCTAssertTrue(d.train.isEmpty && d.val.isEmpty)
        try FileManager.default.createDirectory(atPath: dir + "/sft/gsm8k", withIntermediateDirectories: true)
        _ = write(dir + "/sft/gsm8k", "train-00000-of-00001.jsonl", "{\"question\":\"q\",\"answer\":\"a <<1+1=2>>2\\n#### 2\"}" + "\n")
        _ = write(dir + "/sft/gsm8k", "test-00000-of-00001.jsonl", "{\"question\":\"q\",\"answer\":\"#### 2\"}" + "\n")
        let d2 = MixtureSpec.defaults(sftDataDir: dir + "/sft")
        XCTAssertEqual(d2.train.map(\.task), ["gsm8k"]); XCTAssertEqual(d2.train[0].epochs, 4)
        XCTAssertEqual(d2.val.map(\.stop), [420])
        XCTAssertFalse(MixtureSpec.missingDataMessage(sftDataDir: dir).contains("\n"))
    }
}
