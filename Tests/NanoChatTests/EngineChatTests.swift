import Foundation
import XCTest
@testable import NanoChat

/// chat_cli's session (history, trimming at the context), UTF-8-safe streaming, chat_web's request checks.
final class EngineChatTests: XCTestCase {
    func chatSetup(sequenceLen: Int = 64) throws -> (GPT, Tokenizer) { try tinyChatModel(sequenceLen: sequenceLen, seed: 1, std: 0.2) }

    func testHistoryIsTrimmedFromTheOldestTurnsAtTheContext() throws {
        let (m, tok) = try chatSetup(sequenceLen: 64)
        let session = try ChatSession(engine: Engine(model: m, tokenizer: tok), tokenizer: tok)
        var pieces = 0
        for i in 0..<12 {
            let text = try session.reply(to: "message number \(i) about cats", maxTokens: 12, temperature: 1, topK: 20, seed: UInt64(i)) { _ in
                pieces += 1; return true
            }
            let length = 1 + session.turns.reduce(0) { $0 + $1.count }
            XCTAssertLessThanOrEqual(length, 64, "turn \(i): the history outgrew the context")
            XCTAssertFalse(text.contains("\u{FFFD}") && text.isEmpty)
            XCTAssertEqual(session.turns.last?.last, tok.specialId("<|assistant_end|>"))
        }
        XCTAssertGreaterThan(session.droppedTurns, 0, "12 turns of ≥ 12 tokens must overflow a 64-token context")
        XCTAssertGreaterThan(pieces, 0)
        // the prompt keeps the newest turns, in order, after BOS
        let p = try session.prompt(for: "next", maxTokens: 12)
        XCTAssertEqual(p.tokens.first, tok.bosId)
        XCTAssertEqual(Array(p.tokens.dropFirst().prefix(session.turns.joined().count)), Array(session.turns.joined()))
        XCTAssertLessThanOrEqual(p.tokens.count + p.maxTokens, 64)
        // a message that cannot fit at all is one clear error, and the session stays usable
        assertOneLineError({ _ = try session.prompt(for: String(repeating: "word ", count: 200), maxTokens: 12) }, contains: "context")
        session.clear()
        XCTAssertTrue(session.turns.isEmpty)
        // stopping early (Ctrl-C) still records a well-formed turn
        try session.reply(to: "hi", maxTokens: 30, temperature: 1, topK: nil, seed: 3) { _ in false }
        XCTAssertEqual(session.turns.count, 1)
        XCTAssertEqual(session.turns[0].last, tok.specialId("<|assistant_end|>"))
    }

    /// nanochat's chat_cli samples every answer with seed 42 (its Engine's default); `--seed S` gives S, S+1, ...
    func testAnswerSeedsAreNanochatsUnlessGiven() throws {
        XCTAssertEqual((0..<3).map { ChatSession.answerSeed($0, flag: nil) }, [42, 42, 42])
        XCTAssertEqual((0..<3).map { ChatSession.answerSeed($0, flag: 7) }, [7, 8, 9])
        // the same question in two fresh sessions, as the first and the third answer: the same sampled text
        let (m, tok) = try chatSetup(sequenceLen: 64)
        var replies: [String] = []
        for k in [0, 2] {
            let session = try ChatSession(engine: Engine(model: m, tokenizer: tok), tokenizer: tok)
            var text = ""
            _ = try session.reply(to: "hi there", maxTokens: 12, temperature: 1.0, topK: 50,
                              seed: ChatSession.answerSeed(k, flag: nil)) { text += $0; return true }
            replies.append(text)
        }
        XCTAssertEqual(replies[0], replies[1])
    }

    func testTextStreamNeverSplitsACharacter() {
        let text = "naïve café 你好 🙂 ok"
        let bytes = Array(text.utf8)
        for chunk in 1...5 {   // every way of cutting the bytes into tokens of `chunk` bytes
            var s = TextStream(), out = ""
            var i = 0
            while i < bytes.count {
                let piece = s.push(Array(bytes[i..<min(bytes.count, i + chunk)]))
                XCTAssertFalse(piece.contains("\u{FFFD}"), "chunk \(chunk): split character in \(piece)")
                out += piece; i += chunk
            }
            out += s.flush()
            XCTAssertEqual(out, text)
        }
        var s = TextStream()
        XCTAssertEqual(s.push([0xFF, 0x41]), "\u{FFFD}A")   // invalid bytes are replaced, not held back
        XCTAssertEqual(s.push([0xE4, 0xBD]), "")
        XCTAssertEqual(s.flush(), "\u{FFFD}")
    }

    func testChatRequestLimits() throws {
        func parse(_ obj: Any) throws -> ChatRequest { try ChatRequest(json: Array(JSONSerialization.data(withJSONObject: obj))) }
        func status(_ obj: Any) -> Int? {
            do { _ = try parse(obj); return nil } catch let e as HTTPError { return e.status } catch { return -1 }
        }
        let user = ["role": "user", "content": "hi"]
        let ok = try parse(["messages": [user], "temperature": 0.5, "top_k": 0, "max_tokens": 4096])
        XCTAssertEqual(ok.messages.count, 1); XCTAssertEqual(ok.topK, 0); XCTAssertEqual(ok.maxTokens, 4096)
        XCTAssertEqual(status(["messages": []]), 400)
        XCTAssertEqual(status(["messages": Array(repeating: user, count: 501)]), 400)
        XCTAssertEqual(status(["messages": [["role": "user", "content": String(repeating: "é", count: 8001)]]]), 400)
        XCTAssertNil(status(["messages": [["role": "user", "content": String(repeating: "é", count: 8000)]]]))
        XCTAssertEqual(status(["messages": [user], "temperature": 2.01]), 400)
        XCTAssertEqual(status(["messages": [user], "top_k": 201]), 400)
        XCTAssertEqual(status(["messages": [user], "top_k": 1.5]), 400)
        XCTAssertEqual(status(["messages": [user], "max_tokens": 0]), 400)
        XCTAssertEqual(status(["messages": [["role": "tool", "content": "x"]]]), 400)
        XCTAssertNil(status(["messages": [user], "stream": true, "model": "x"]), "unknown fields are ignored, as OpenAI-compatible servers do")
        // limits count code points, as Python's len: 8000 "e" + combining acute accents are 16000 code points
        XCTAssertEqual(status(["messages": [["role": "user", "content": String(repeating: "e\u{301}", count: 4001)]]]), 400)
        XCTAssertEqual(status([user]), 400)
        XCTAssertEqual(status(["messages": [user, ["role": "assistant", "content": "x"]]]), 400)
        // the prompt drops the oldest pairs to fit the context
        let (_, tok) = try chatSetup()
        let long = (0..<9).map { ["role": $0 % 2 == 0 ? "user" : "assistant", "content": "sentence number \($0) is fairly long, really"] }
        let req = try parse(["messages": long])
        let p = try req.prompt(tokenizer: tok, context: 64, maxTokens: 16)
        XCTAssertLessThanOrEqual(p.tokens.count + p.maxTokens, 64)
        XCTAssertTrue(tok.decode(p.tokens).contains("sentence number 8"))
        XCTAssertFalse(tok.decode(p.tokens).contains("sentence number 0"))
    }
}
