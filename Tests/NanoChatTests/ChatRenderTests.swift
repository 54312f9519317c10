import XCTest
@testable import NanoChat

/// Conversation rendering, render_mc, TaskMixture order and GSM8K answer extraction against
/// Fixtures/chat_render.json (nanochat 92d63d4's own output with the tokenizer_multi_4096 tokenizer).
final class ChatRenderTests: XCTestCase {
    static let root: [String: Any] = {
        let data = FileManager.default.contents(atPath: TestPaths.fixture("chat_render.json"))!
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()
    static let cases = root["cases"] as! [[String: Any]]
    static let tokenizer = try! Tokenizer.load(tiktokenFile: TestPaths.fixture("tokenizer_multi_4096/tokenizer.tiktoken"))

    static func ints(_ v: Any?) -> [Int] { (v as! [NSNumber]).map(\.intValue) }
    static func conversation(_ c: [String: Any], _ i: Int) throws -> Conversation {
        try Conversation(json: c["conversation"]!, source: "chat_render.json:case \(i)")
    }

    func testRenderEveryCaseEqualsNanochat() throws {
        let tok = Self.tokenizer
        let special = Self.root["special"] as! [String: NSNumber]
        for (name, id) in special { XCTAssertEqual(tok.specialId(name), Int32(id.intValue), name) }
        XCTAssertEqual(Self.cases.count, 15)
        for (i, c) in Self.cases.enumerated() {
            let conv = try Self.conversation(c, i)
            let full = try tok.renderConversation(conv)
            XCTAssertEqual(full.ids.map(Int.init), Self.ints(c["ids"]), "case \(i) (\(c["source"]!)) ids")
            XCTAssertEqual(full.mask.map(Int.init), Self.ints(c["mask"]), "case \(i) mask")
            let cut = try tok.renderConversation(conv, maxTokens: 64)
            XCTAssertEqual(cut.ids.map(Int.init), Self.ints(c["ids_max64"]), "case \(i) ids max 64")
            XCTAssertEqual(cut.mask.map(Int.init), Self.ints(c["mask_max64"]), "case \(i) mask max 64")
            XCTAssertEqual(try tok.renderForCompletion(conv).map(Int.init), Self.ints(c["completion_ids"]), "case \(i) completion")
        }
    }

    func testRenderMCMixtureAndExtractAnswer() {
        XCTAssertEqual(renderMC(question: "Which is largest?", letters: ["A", "B", "C"], choices: ["1", "10", "100"]),
                       Self.root["render_mc_example"] as! String)
        final class Sized: ChatTask {
            let name = "sized"; let count: Int
            init(_ n: Int) { count = n }
            func conversation(at index: Int) throws -> Conversation { Conversation(messages: [], source: "sized") }
        }
        let mix = TaskMixture([Sized(5), Sized(3), Sized(5)])
        let expected = (Self.root["mixture_5_3_5_index_map"] as! [[NSNumber]]).map { [$0[0].intValue, $0[1].intValue] }
        XCTAssertEqual(mix.indexMap.map { [$0.task, $0.row] }, expected)
        for (input, want) in Self.root["gsm8k_extract"] as! [String: Any] {
            XCTAssertEqual(extractAnswer(input), want as? String, "extract_answer(\(input.debugDescription))")
        }
        XCTAssertNil(extractAnswer("#### -"))
        XCTAssertEqual(extractAnswer("#### -x #### 3"), "3")
    }

    /// The fixture's conversations come from real rows of ../shared: our tasks must build the same ones.
    func testTasksBuildNanochatsConversations() throws {
        guard let shared = TestPaths.shared else { throw XCTSkip("../shared absent") }
        let gsm = try GSM8K(path: shared + "/data/sft/gsm8k_train.jsonl")
        let algebra = try MMLU(path: shared + "/data/sft/mmlu/dev/abstract_algebra_dev.csv")
        let anatomy = try MMLU(path: shared + "/data/sft/mmlu/dev/anatomy_dev.csv")
        let arc = try ARC(path: shared + "/data/core/arc_easy.jsonl")
        let built: [Conversation] = try (0..<6).map { try gsm.conversation(at: $0) }
            + [algebra.conversation(at: 0), algebra.conversation(at: 1), anatomy.conversation(at: 0), anatomy.conversation(at: 1)]
            + (0..<3).map { try arc.conversation(at: $0) }
        for (i, conv) in built.enumerated() {
            XCTAssertEqual(conv.messages, try Self.conversation(Self.cases[i], i).messages, "case \(i) (\(Self.cases[i]["source"]!))")
        }
        XCTAssertEqual(gsm.referenceAnswer(at: 0), "72")
        XCTAssertEqual(algebra.correctLetter(at: 0), "B")
        XCTAssertEqual(arc.letters(at: 0), ["A", "B", "C", "D"])
        XCTAssertEqual(try algebra.conversation(at: 0).source, shared + "/data/sft/mmlu/dev/abstract_algebra_dev.csv:2")
    }

    func testRenderErrorsNameTheSource() {
        let tok = Self.tokenizer
        let u = ChatMessage(.user, "hi"), a = ChatMessage(.assistant, "yo")
        assertOneLineError({ _ = try tok.renderConversation(Conversation(messages: [], source: "f.jsonl:3")) },
                           contains: ["f.jsonl:3", "empty conversation"])
        assertOneLineError({ _ = try tok.renderConversation(Conversation(messages: [u, u], source: "f.jsonl:7")) },
                           contains: ["f.jsonl:7", "message 1", "alternate"])
        assertOneLineError({ _ = try tok.renderConversation(Conversation(messages: [a, u], source: "f.jsonl:8")) },
                           contains: ["f.jsonl:8", "message 0"])
        assertOneLineError({ _ = try tok.renderConversation(Conversation(messages: [ChatMessage(.system, "s"), a], source: "f.jsonl:9")) },
                           contains: ["f.jsonl:9", "system message"])
        assertOneLineError({ _ = try tok.renderForCompletion(Conversation(messages: [u], source: "f.jsonl:10")) },
                           contains: ["f.jsonl:10", "assistant"])
        let badPart: [Any] = [["role": "user", "content": "q"], ["role": "assistant", "content": [["type": "image", "text": "x"]]]]
        assertOneLineError({ _ = try Conversation(jsonMessages: badPart, source: "g.jsonl:2") },
                           contains: ["g.jsonl:2", "unknown part type \"image\""])
        assertOneLineError({ _ = try Conversation(jsonMessages: [["role": "bot", "content": "x"]], source: "g.jsonl:4") },
                           contains: ["g.jsonl:4", "unknown role"])
        // a system message with a multi-turn conversation renders like nanochat's merge
        let merged = try! tok.renderConversation(Conversation(messages: [ChatMessage(.system, "S"), u, a], source: "x"))
        let plain = try! tok.renderConversation(Conversation(messages: [ChatMessage(.user, "S\n\nhi"), a], source: "x"))
        XCTAssertEqual(merged.ids, plain.ids)
    }
}
