import XCTest
@testable import NanoChat

/// nanochat's SFT packing on hand-made conversations: best fit of whole conversations, BOS padding with
/// mask 0, -1 targets, truncation of a too-long conversation, rank striding, exact resume, epoch end.
final class ChatSFTLoaderTests: XCTestCase {
    final class ListTask: ChatTask {
        let name = "list"; let convs: [Conversation]
        init(_ c: [Conversation]) { convs = c }
        var count: Int { convs.count }
        func conversation(at index: Int) throws -> Conversation { convs[index] }
    }
    static let tok = ChatRenderTests.tokenizer
    static func conv(_ q: String, _ a: String, _ i: Int) -> Conversation {
        Conversation(messages: [ChatMessage(.user, q), ChatMessage(.assistant, a)], source: "list:\(i)")
    }

    func testBestFitPaddingAndMasks() throws {
        let tok = Self.tok
        let convs = [Self.conv("hi", "yo", 0), Self.conv("what is two plus two, please?", "four", 1)]
        let r = try convs.map { try tok.renderConversation($0) }
        let T = r[0].ids.count + r[1].ids.count + 3  // both fit in one row with 4 pad tokens (row is T+1)
        let loader = try SFTLoader(tokenizer: tok, dataset: ListTask(convs), B: 1, T: T, train: true, bufferSize: 2)
        let b = try loader.next()
        // the longer conversation first (best fit), then the shorter, then BOS padding
        let row = r[1].ids + r[0].ids + [Int32](repeating: tok.bosId, count: 4)
        let mask = r[1].mask + r[0].mask + [UInt8](repeating: 0, count: 4)
        XCTAssertEqual(b.inputs, Array(row[0..<T]))
        let content = r[0].ids.count + r[1].ids.count
        for t in 0..<T {
            let want: Int32 = (mask[t + 1] == 0 || t >= content - 1) ? -1 : row[t + 1]
            XCTAssertEqual(b.targets[t], want, "target \(t)")
        }
        // supervised targets are exactly the assistant replies and <|assistant_end|>
        let sup = b.targets.filter { $0 >= 0 }
        XCTAssertEqual(sup.count, (r[1].mask.dropFirst().filter { $0 == 1 }.count) + r[0].mask.filter { $0 == 1 }.count)
        XCTAssertEqual(sup.last, tok.specialId("<|assistant_end|>"))
        XCTAssertTrue(b.lastStep)  // both conversations consumed = one epoch
        XCTAssertEqual(b.approxProgress, 1.0)
    }

    func testTooLongConversationIsCutAndCounted() throws {
        let long = Self.conv(String(repeating: "many words here ", count: 40), "ok", 0)
        let full = try Self.tok.renderConversation(long)
        let T = 16
        XCTAssertGreaterThan(full.ids.count, T + 1)
        let loader = try SFTLoader(tokenizer: Self.tok, dataset: ListTask([long, Self.conv("a", "b", 1)]), B: 2, T: T, train: true, bufferSize: 2)
        let b = try loader.next()
        XCTAssertEqual(Array(b.inputs[0..<T]), Array(full.ids[0..<T]))
        XCTAssertEqual(loader.truncated, 2, "cut each time it is fetched: once, then again when the buffer wrapped into epoch 2")
        XCTAssertTrue(b.targets[0..<T].allSatisfy { $0 == -1 }, "the cut conversation is all user prompt: nothing supervised")
    }

    func testRankStridingResumeAndEpoch() throws {
        let convs = (0..<10).map { Self.conv("question number \($0)", String(repeating: "x", count: $0 + 1), $0) }
        let task = ListTask(convs)
        let l1 = try SFTLoader(tokenizer: Self.tok, dataset: task, B: 1, T: 24, train: true, rank: 1, worldSize: 2, bufferSize: 3)
        XCTAssertEqual(l1.state.cursor, 1)
        _ = try l1.next()
        XCTAssertTrue(l1.state.buffer.allSatisfy { $0 % 2 == 1 }, "rank 1 of 2 only fetches odd conversations: \(l1.state.buffer)")
        // resume: the state saved before a batch reproduces it and every batch after
        let l = try SFTLoader(tokenizer: Self.tok, dataset: task, B: 2, T: 24, train: true, bufferSize: 3)
        _ = try l.next()
        let b2 = try l.next(), b3 = try l.next()
        let r = try SFTLoader(tokenizer: Self.tok, dataset: task, B: 2, T: 24, train: true, bufferSize: 3, resume: b2.stateBefore)
        let c2 = try r.next(), c3 = try r.next()
        XCTAssertEqual(c2.inputs, b2.inputs); XCTAssertEqual(c2.targets, b2.targets)
        XCTAssertEqual(c3.inputs, b3.inputs); XCTAssertEqual(c3.targets, b3.targets); XCTAssertEqual(r.state, l.state)
        // one epoch: lastStep once consumption reaches the mixture size
        var steps = 3, last = b3.lastStep
        while !last { last = try l.next().lastStep; steps += 1; XCTAssertLessThan(steps, 50) }
        XCTAssertGreaterThanOrEqual(l.state.consumed, 10)
        assertOneLineError({ _ = try SFTLoader(tokenizer: Self.tok, dataset: task, B: 2, T: 24, train: true, rank: 0, worldSize: 1, resume: l1.state) },
                           contains: "rank 1 of 2")
    }
}
