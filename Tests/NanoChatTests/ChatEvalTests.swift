import Foundation
import XCTest
@testable import NanoChat

/// chat_eval: letter-restricted categorical scoring on a hand-built table model, GSM8K's judge, HumanEval
/// program extraction (against Python's regex), gzip, the sandbox and its limits, results/ChatCORE, bad input.
final class ChatEvalTests: XCTestCase {
    static let tokenizer = ChatRenderTests.tokenizer

    /// A multiple-choice task built in memory (render_mc prompts, known correct letters).
    final class Quiz: MultipleChoiceTask {
        let name = "quiz"
        let answers: [String]
        init(answers: [String]) { self.answers = answers }
        var count: Int { answers.count }
        func conversation(at i: Int) throws -> Conversation {
            Conversation(messages: [ChatMessage(.user, renderMC(question: "Question \(i)\(String(repeating: " more", count: i % 5))?",
                                                                 letters: letters(at: i), choices: ["one", "two", "three", "four"])),
                                    ChatMessage(.assistant, answers[i])], source: "quiz:\(i + 1)")
        }
        func letters(at i: Int) -> [String] { ["A", "B", "C", "D"] }
        func correctLetter(at i: Int) -> String { answers[i] }
    }

    func testCategoricalScoresOnlyTheLettersAtTheLastPromptPosition() throws {
        let tok = Self.tokenizer
        let model = BigramTableModel(vocab: tok.vocabSize)
        let start = try XCTUnwrap(tok.specialId("<|assistant_start|>"))
        let letter = { (s: String) in tok.encodeOrdinary(s)[0] }
        // after <|assistant_start|> the model's favourite token is " the", then "C", then "B": restricted to
        // the letters the answer must be C on every problem
        model.prefer(start, tok.encodeOrdinary(" the")[0], 20)
        model.prefer(start, letter("C"), 7)
        model.prefer(start, letter("B"), 5)
        let answers = (0..<21).map { ["A", "B", "C", "D"][($0 * 7) % 4] }
        let task = Quiz(answers: answers)
        let engine = Engine(model: RecomputeModel(model), tokenizer: tok)
        var records: [ChatEvalRecord] = []
        var calls = 0
        let order = ChatEvalTasks.order(count: task.count)
        let (passed, total) = try CategoricalEval.run(task: task, order: order, problems: 17, batchSize: 4, tokenizer: tok,
                                                      logits: { rows, pos in
                                                          calls += 1
                                                          // the Engine pads on the right; the positions are each prompt's own last token
                                                          XCTAssertEqual(pos, rows.map { $0.count - 1 })
                                                          return try engine.logits(rows: rows, positions: pos)
                                                      }, record: { records.append($0) })
        XCTAssertEqual(total, 17)
        XCTAssertEqual(calls, 5)   // ceil(17 / 4) batches
        let expected = order.prefix(17).filter { answers[$0] == "C" }.count
        XCTAssertEqual(passed, expected)
        XCTAssertTrue(records.allSatisfy { $0.answers == ["C"] })
        // the record's prompt is the render_for_completion of the problem's row, ending in <|assistant_start|>
        for r in records {
            XCTAssertEqual(r.promptIds, try tok.renderForCompletion(try task.conversation(at: r.row)))
            XCTAssertEqual(r.promptIds.last, start)
            XCTAssertEqual(r.row, order[r.index])
            XCTAssertEqual(r.correct, answers[r.row] == "C")
        }
        // two ranks split the batches and together score the same problems
        var union = Set<Int>(), sum = 0
        for rank in 0..<2 {
            let (p, _) = try CategoricalEval.run(task: task, order: order, problems: 17, batchSize: 4, tokenizer: tok, rank: rank, worldSize: 2,
                                                 logits: { try engine.logits(rows: $0, positions: $1) }, record: { union.insert($0.index) })
            sum += p
        }
        XCTAssertEqual(union, Set(0..<17))
        XCTAssertEqual(sum, passed)
    }

    func testRightPaddingDoesNotChangeTheAnswer() throws {
        // the prompts differ in length: each row's logits are read at its own last prompt token
        let tok = Self.tokenizer
        let model = BigramTableModel(vocab: tok.vocabSize)
        let start = try XCTUnwrap(tok.specialId("<|assistant_start|>"))
        model.prefer(start, tok.encodeOrdinary("D")[0], 9)
        model.prefer(tok.bosId, tok.encodeOrdinary("A")[0], 50)   // what a padded position would say
        let task = Quiz(answers: ["D", "D", "A", "D", "B"])
        let engine = Engine(model: RecomputeModel(model), tokenizer: tok)
        let (passed, total) = try CategoricalEval.run(task: task, order: Array(0..<5), problems: 5, batchSize: 5, tokenizer: tok,
                                                      logits: { try engine.logits(rows: $0, positions: $1) })
        XCTAssertEqual(total, 5)
        XCTAssertEqual(passed, 3)
    }

    func testGSM8KJudgeMatchesNanochatExtraction() throws {
        let fixture = ChatRenderTests.root["gsm8k_extract"] as! [String: Any]
        for (input, want) in fixture {
            guard let want = want as? String else { XCTAssertNil(extractAnswer(input)); continue }
            let task = GSM8K(rows: [(question: "q", answer: "work <<1+1=2>>2\n#### \(want)", source: "t:1")])
            let judged = try GenerativeEval.gsm8kJudge(task)(0, input)
            XCTAssertEqual(judged.answer, want)
            XCTAssertTrue(judged.passed, input)
            XCTAssertFalse(try GenerativeEval.gsm8kJudge(task)(0, "#### 99999").passed)
        }
    }

    func testGenerativeEvalPassAtK() throws {
        let task = GSM8K(rows: (0..<6).map { (question: "What is \($0)+1?", answer: "#### \($0 + 1)", source: "t:\($0 + 1)") })
        let tok = Self.tokenizer
        // sample 0 is always wrong, sample 1 right on even rows: pass@2 = the even rows
        var rowOfPrompt: [[Int32]: Int] = [:]
        for r in 0..<6 { rowOfPrompt[try tok.renderForCompletion(try task.conversation(at: r))] = r }
        var records: [ChatEvalRecord] = []
        let (passed, total) = try GenerativeEval.run(task: task, order: Array((0..<6).reversed()), problems: 6, tokenizer: tok,
                                                     reference: { task.referenceAnswer(at: $0) ?? "" },
                                                     generate: { prompt in
                                                         let r = rowOfPrompt[prompt]!
                                                         return [tok.encodeOrdinary("#### 0"), tok.encodeOrdinary("so #### \(r % 2 == 0 ? r + 1 : 0)")]
                                                     }, judge: GenerativeEval.gsm8kJudge(task), record: { records.append($0) })
        XCTAssertEqual(total, 6)
        XCTAssertEqual(passed, 3)
        XCTAssertEqual(records.first?.row, 5)
        XCTAssertEqual(records.map(\.outcomes.count), [2, 2, 2, 2, 2, 2])
        XCTAssertEqual(records.first(where: { $0.row == 4 })?.completions?[1], "so #### 5")
        let line = try XCTUnwrap(records.first?.jsonLine)
        let back = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(back["reference"] as? String, "6")
        XCTAssertEqual(back["correct"] as? Bool, false)
    }

    func testHumanEvalExtractionEqualsPythonRegex() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("humaneval_extract.json")))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [[String]]])
        for c in root["extract_program"]! { XCTAssertEqual(HumanEval.extractProgram(c[0]), c[1], c[0].debugDescription) }
        for c in root["extract_imports"]! { XCTAssertEqual(HumanEval.extractImports(c[0]), c[1], c[0].debugDescription) }
    }

    func testGunzipEqualsPythonGzip() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("gzip_cases.json")))
        let cases = try XCTUnwrap((JSONSerialization.jsonObject(with: data) as? [String: Any])?["cases"] as? [[String: String]])
        for c in cases {
            let gz = [UInt8](Data(base64Encoded: c["gz"]!)!), plain = [UInt8](Data(base64Encoded: c["plain"]!)!)
            XCTAssertEqual(try Gunzip.decompress(gz, file: c["name"]!), plain, c["name"]!)
            if gz.count > 20 {
                assertOneLineError({ _ = try Gunzip.decompress(Array(gz.prefix(gz.count - 5)), file: "cut.gz") }, contains: "cut.gz")
                var bad = gz; bad[bad.count - 8] ^= 0xff   // CRC
                assertOneLineError({ _ = try Gunzip.decompress(bad, file: "crc.gz") }, contains: ["crc.gz", "CRC"])
            }
        }
        assertOneLineError({ _ = try Gunzip.decompress([1, 2, 3], file: "junk.gz") }, contains: ["junk.gz", "gzip"])
    }

    // MARK: - HumanEval in the sandbox (skipped without python3 or ../shared)

    func sandbox(timeout: Double = 5) throws -> PythonSandbox {
        guard let s = PythonSandbox(timeout: timeout) else { throw XCTSkip("python3 not on PATH") }
        return s
    }

    func testCanonicalSolutionsPassAndEmptyCompletionFails() throws {
        guard let shared = TestPaths.shared else { throw XCTSkip("../shared absent") }
        let sandbox = try sandbox()
        let task = try HumanEval(path: shared + "/data/sft/HumanEval.jsonl.gz")
        XCTAssertEqual(task.count, 164)
        for i in 0..<10 {
            let p = task.problems[i]
            let reply = "Here you go:\n```python\n\(p.prompt)\(p.solution)\n```\nDone."
            let outcome = try sandbox.run(task.program(at: i, completion: reply))
            XCTAssertTrue(outcome.success, "\(p.taskId): \(outcome.error)")
            XCTAssertFalse(try sandbox.run(task.program(at: i, completion: "")).success, "\(p.taskId) empty")
        }
        // the conversation is nanochat's: the prompt, then prompt + "\n" + solution
        let conv = try task.conversation(at: 0)
        XCTAssertEqual(conv.messages[1].content.plainText, task.problems[0].prompt + "\n" + task.problems[0].solution)
    }

    func testSandboxStopsLoopsAllocationsAndNetwork() throws {
        let sandbox = try sandbox(timeout: 1.5)
        let t0 = now()
        let loop = try sandbox.run("while True:\n    pass\n")
        XCTAssertFalse(loop.success)
        XCTAssertTrue(loop.timedOut)
        XCTAssertLessThan(now() - t0, 4)
        let t1 = now()
        let hog = try sandbox.run("x = []\nwhile True:\n    x.append(bytearray(10**7))\n")
        XCTAssertFalse(hog.success)
        XCTAssertFalse(hog.timedOut, "the memory limit, not the clock, stops it")
        XCTAssertTrue(hog.error.contains("MemoryError"), hog.error)
        XCTAssertLessThan(now() - t1, 4)
        let net = try sandbox.run("import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 9))\n")
        XCTAssertFalse(net.success)
        let rm = try sandbox.run("import os\nos.system('true')\n")
        XCTAssertFalse(rm.success)
        XCTAssertTrue(try sandbox.run("print(sum(range(10)))\n").success)
    }

    // MARK: - tasks, results, bad input

    func testTaskNamesAndChatCORE() throws {
        XCTAssertEqual(try ChatEvalTasks.parse(nil).map(\.name), ["ARC-Easy", "ARC-Challenge", "MMLU", "GSM8K", "HumanEval"])
        XCTAssertEqual(try ChatEvalTasks.parse("GSM8K|ARC-Easy").map(\.name), ["GSM8K", "ARC-Easy"])
        assertOneLineError({ _ = try ChatEvalTasks.parse("ARC-Easy|SpellingBee") }, contains: ["--task-name", "SpellingBee", "ARC-Easy|"])
        let accs = ["ARC-Easy": 0.25, "ARC-Challenge": 0.4, "MMLU": 0.25, "GSM8K": 0.1, "HumanEval": 0.05]
        XCTAssertEqual(try XCTUnwrap(ChatEvalTasks.chatCORE(accs)), (0 + 0.2 + 0 + 0.1 + 0.05) / 5, accuracy: 1e-12)
        XCTAssertNil(ChatEvalTasks.chatCORE(accs.filter { $0.key != "HumanEval" }))
        XCTAssertEqual(try XCTUnwrap(ChatEvalTasks.chatCORECategorical(accs)), 0.2 / 3, accuracy: 1e-12)
        let results = ChatEvalTasks.all.map { ChatEvalResult(spec: $0, passed: Int(accs[$0.name]! * 20), total: 20, seconds: 1.5, skipped: nil) }
        XCTAssertTrue(ChatEvalReport.table(results).contains("ChatCORE"))
        let csv = ChatEvalReport.csv(results).split(separator: "\n")
        XCTAssertEqual(csv.count, 7)
        XCTAssertEqual(csv[2], "ARC-Challenge,0.4000,0.2000,20,1.5,")
        XCTAssertTrue(ChatEvalReport.markdown(results, title: "t").contains("| MMLU | 0.2500 | 0.0000 | 20 | 1.5 |"))
    }

    func testBadInputIsOneLine() throws {
        let dir = TestPaths.tempDir("chateval")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = ChatEvalTasks.all[0]
        assertOneLineError({ _ = try ChatEvalTasks.load(spec, dataDir: dir) }, contains: [dir, "arc_easy.jsonl", "--data-dir"])
        try FileManager.default.createDirectory(atPath: dir + "/sft/mmlu/test", withIntermediateDirectories: true)
        try "question,choice0,choice1,choice2,choice3,answer\nWhat?,a,b,c,d,1\nWhy?,a,b,c,d,7\n"
            .write(toFile: dir + "/sft/mmlu/test/x_test.csv", atomically: true, encoding: .utf8)
        assertOneLineError({ _ = try ChatEvalTasks.load(ChatEvalTasks.all[2], dataDir: dir) }, contains: ["x_test.csv:3", "answer"])
        try Data([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff]).write(to: URL(fileURLWithPath: dir + "/HumanEval.jsonl.gz"))
        assertOneLineError({ _ = try ChatEvalTasks.load(ChatEvalTasks.all[4], dataDir: dir) }, contains: "HumanEval.jsonl.gz")
        try "{\"task_id\": \"x\", \"prompt\": 3}\n".write(toFile: dir + "/HumanEval.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir + "/HumanEval.jsonl.gz")
        assertOneLineError({ _ = try ChatEvalTasks.load(ChatEvalTasks.all[4], dataDir: dir) }, contains: ["HumanEval.jsonl:1", "prompt"])
    }

    func testSharedTasksLoadInNanochatsOrder() throws {
        guard let shared = TestPaths.shared else { throw XCTSkip("../shared absent") }
        let dir = shared + "/data"
        let counts = ["ARC-Easy": 2376, "ARC-Challenge": 1172, "MMLU": 14042, "GSM8K": 1319, "HumanEval": 164]
        for spec in ChatEvalTasks.all {
            let task = try ChatEvalTasks.load(spec, dataDir: dir)
            XCTAssertEqual(task.count, counts[spec.name], spec.name)
            let prompt = try Self.tokenizer.renderForCompletion(try task.conversation(at: ChatEvalTasks.order(count: task.count)[0]))
            XCTAssertEqual(prompt.last, Self.tokenizer.specialId("<|assistant_start|>"))
        }
    }
}
