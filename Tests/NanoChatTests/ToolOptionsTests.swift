import XCTest
@testable import NanoChat

/// Every tool's flags come from one typed table (`ToolOptions`): nanochat's names and short options parse
/// into the typed fields, defaults match the struct, and bad values are one line naming the flag.
final class ToolOptionsTests: XCTestCase {
    func testChatEvalShortOptionsParseTyped() throws {
        let o = try ChatEvalCommandOptions.parse(["-i", "base", "-x", "4", "-m", "24", "-b", "3", "-a", "ARC-Easy|GSM8K"])
        XCTAssertEqual(o.source, "base")
        XCTAssertEqual(o.maxProblems, 4)
        XCTAssertEqual(o.maxNewTokens, 24)
        XCTAssertEqual(o.batchSize, 3)
        XCTAssertEqual(o.taskName, "ARC-Easy|GSM8K")
        XCTAssertNil(o.step)
        XCTAssertNil(try ChatEvalCommandOptions.parse([]).checkpointsDir)
        assertOneLineError({ _ = try ChatEvalCommand.evalOptions(ChatEvalCommandOptions.parse(["-x", "2"])) }, contains: ["-i/--source is required"])
        assertOneLineError({ _ = try ChatEvalCommandOptions.parse(["-d", "int8"]) }, contains: ["chat_eval: --dtype=int8: must be one of float32, bfloat16"])
    }

    func testBaseEvalKnowsWhetherEvalWasGivenAndBest() throws {
        XCTAssertNil(try BaseEvalOptions.parse([]).eval)
        XCTAssertEqual(try BaseEvalOptions.parse(["--eval=core,bpb,sample"]).eval, "core,bpb,sample")
        XCTAssertEqual(try BaseEvalOptions.parse(["--step=best"]).step, BaseEvalOptions.bestStep)
        XCTAssertEqual(try BaseEvalOptions.parse(["--step=7"]).step, 7)
        XCTAssertNil(try BaseEvalOptions.parse(["--step=None"]).step)
        assertOneLineError({ _ = try BaseEvalOptions.parse(["--step=x"]) }, contains: ["base_eval: --step=x is not an integer or best"])
        XCTAssertTrue(BaseEvalOptions.flags().usage.contains("--eval=core,bpb,sample"))
    }

    func testChatCLIAndWebDefaultsAndRanges() throws {
        let cli = try ChatCLIOptions.parse([])
        XCTAssertEqual(cli.source, "sft"); XCTAssertNil(cli.prompt); XCTAssertEqual(cli.temperature, 0.6); XCTAssertEqual(cli.sampling.topK, 50)
        XCTAssertEqual(try ChatCLIOptions.parse(["-p", "hi", "-k", "0"]).prompt, "hi")
        XCTAssertNil(try ChatCLIOptions.parse(["-k", "0"]).sampling.topK)
        XCTAssertEqual(try ChatCLIOptions.parse(["--device-type=cuda"]).deviceType, "cuda")   // any value, as nanochat's lines pass it
        assertOneLineError({ _ = try ChatCLIOptions.parse(["--top-p=0"]) }, contains: ["chat_cli: --top-p=0 is out of range"])
        let web = try ChatWebOptions.parse(["-p", "9000", "--num-engines=2", "--read-timeout=2"]).serverOptions(modelID: "m")
        XCTAssertEqual(web.port, 9000); XCTAssertEqual(web.batchRows, 2); XCTAssertEqual(web.limits.readTimeout, 2); XCTAssertEqual(web.modelID, "m")
        assertOneLineError({ _ = try ChatWebOptions.parse(["--port=0"]) }, contains: ["chat_web: --port=0 is out of range: must be 1…65535"])
    }

    func testEveryToolTableDeclaresEachFieldOnce() {
        func names<T: ToolOptions>(_ type: T.Type) -> [String] { T.fields.map(\.name) }
        for (program, list) in [("base_eval", names(BaseEvalOptions.self)), ("chat_eval", names(ChatEvalCommandOptions.self)),
                                ("chat_cli", names(ChatCLIOptions.self)), ("chat_web", names(ChatWebOptions.self)),
                                ("dataset", names(DatasetOptions.self)), ("report", names(ReportOptions.self)),
                                ("tok_train", names(TokTrainOptions.self)), ("tok_eval", names(TokEvalOptions.self))] {
            XCTAssertEqual(Set(list).count, list.count, program)
        }
        XCTAssertEqual(try DatasetOptions.parse(["-n", "3", "-w", "2"]).numFiles, 3)
        XCTAssertEqual(try TokTrainOptions.parse(["--vocab-size=300", "--eval"]).vocabSize, 300)
        XCTAssertNil(try ReportOptions.parse([]).baseDir)
        // the saved config is the table's: argparse names, typed values
        XCTAssertEqual(try DatasetOptions.parse(["-n", "3"]).userConfigJSON["num_files"]?.int, 3)
    }
}
