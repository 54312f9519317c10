import XCTest
@testable import NanoChat

/// Every tool's flags come from one typed table (`ToolOptions`): nanochat's names and short options parse
/// into the typed fields, defaults match the struct, and bad values are one line naming the flag.
final class ToolOptionsTests: XCTestCase {
    func testChatEvalShortOptionsParseTyped() throws {
        let o = try ChatEvalCommandOptions.parse(["-i", "base", "-x", "4", "-m", "24", "-b", "3", "-a", "ARC-Easy|GSM8K"])
        XCTAssertEqual(o.checkpoint.source, "base")
        XCTAssertEqual(o.eval.maxProblems, 4)
        XCTAssertEqual(o.eval.maxNewTokens, 24)
        XCTAssertEqual(o.eval.batchSize, 3)
        XCTAssertEqual(o.taskName, "ARC-Easy|GSM8K")
        XCTAssertNil(o.checkpoint.step)
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

    /// A table nested in a larger one (`bench train` = base_train's table + its own flags): parses, defaults and
    /// saves through the outer struct.
    func testNestedTableParsesIntoTheInnerOptions() throws {
        struct Outer: ToolOptions {
            var train = TrainOptions()
            var extra = 3
            static let program = "outer", summary = "test"
            static let fields: [OptionField<Outer>] = TrainOptions.fields.map { $0.nested(in: \Outer.train) } + [.int("extra", \.extra, "x", min: 0)]
        }
        let o = try Outer.parse(["--depth=6", "--extra=5"])
        XCTAssertEqual(o.train.depth, 6); XCTAssertEqual(o.extra, 5)
        XCTAssertEqual(try Outer.parse([]).train.depth, TrainOptions().depth)
        XCTAssertEqual(o.userConfigJSON["depth"]?.int, 6)
        assertOneLineError({ _ = try Outer.parse(["--depth=0"]) }, contains: ["outer: --depth=0 is out of range"])
    }

    func testChatCLIAndWebDefaultsAndRanges() throws {
        let cli = try ChatCLIOptions.parse([])
        XCTAssertEqual(cli.checkpoint, CheckpointChoice(source: "sft")); XCTAssertNil(cli.prompt); XCTAssertEqual(cli.temperature, 0.6); XCTAssertEqual(cli.sampling.topK, 50)
        XCTAssertEqual(try ChatCLIOptions.parse(["-p", "hi", "-k", "0"]).prompt, "hi")
        XCTAssertNil(try ChatCLIOptions.parse(["-k", "0"]).sampling.topK)
        XCTAssertEqual(try ChatCLIOptions.parse(["--device-type=cuda"]).deviceType, "cuda")   // any value, as nanochat's lines pass it
        assertOneLineError({ _ = try ChatCLIOptions.parse(["--top-p=0"]) }, contains: ["chat_cli: --top-p=0 is out of range"])
        let web = try ChatWebOptions.parse(["-p", "9000", "--num-engines=2", "--read-timeout=2"]).serverOptions(modelID: "m")
        XCTAssertEqual(web.port, 9000); XCTAssertEqual(web.batchRows, 2); XCTAssertEqual(web.limits.readTimeout, 2); XCTAssertEqual(web.modelID, "m")
        assertOneLineError({ _ = try ChatWebOptions.parse(["--port=0"]) }, contains: ["chat_web: --port=0 is out of range: must be 1…65535"])
    }

    /// -i/--source, -g/--model-tag, -s/--step are one list (`OptionField.checkpoint`): the same flags, short
    /// options and checks in every tool that runs a checkpoint; chat_eval's source alone is required.
    func testCheckpointChoiceIsDeclaredOnceForEveryTool() throws {
        func specs<T: ToolOptions>(_ type: T.Type) -> [String] {
            T.flags().specs.filter { ["source", "model-tag", "step"].contains($0.name) }.map { "\($0.name) -\($0.short ?? "") \($0.kind)" }
        }
        XCTAssertEqual(specs(ChatCLIOptions.self), ["source -i string", "model-tag -g string", "step -s int"])
        XCTAssertEqual(specs(ChatWebOptions.self), specs(ChatCLIOptions.self))
        XCTAssertEqual(specs(ChatEvalCommandOptions.self), specs(ChatCLIOptions.self))
        XCTAssertEqual(try ChatWebOptions.parse(["-i", "rl", "-g", "d4", "-s", "20"]).checkpoint, CheckpointChoice(source: "rl", modelTag: "d4", step: 20))
        XCTAssertEqual(try ChatEvalCommandOptions.parse([]).checkpoint.source, "")
        assertOneLineError({ _ = try ChatCLIOptions.parse(["-i", ""]) }, contains: ["chat_cli: --source=: must be one of sft, rl, base"])
        assertOneLineError({ _ = try ChatWebOptions.parse(["--step=-2"]) }, contains: ["chat_web: --step=-2 is out of range"])
        // chat_sft and chat_rl name the step as nanochat does; base_eval adds `best`
        XCTAssertEqual(try SFTOptions.parse(["--model-step=5"]).modelStep, 5)
        XCTAssertEqual(try RLOptions.parse(["--model-tag=d2", "--model-step=3"]).modelStep, 3)
        assertOneLineError({ _ = try RLOptions.parse(["--model-step=-1"]) }, contains: ["chat_rl: --model-step=-1 is out of range"])
    }

    /// base_train, chat_sft and chat_rl are `ToolOptions` as every tool: `--threads` is read from the table, the
    /// saved user_config keeps the table's argparse names in order.
    func testTrainersAreToolsAndKeepTheirSavedConfig() throws {
        XCTAssertEqual(try TrainOptions.parse(["--threads=3"]).threadsFlag, 3)
        XCTAssertEqual(try ReportOptions.parse([]).threadsFlag, nil)
        for (config, specs) in [(try SFTOptions.parse(["--model-step=2"]).userConfigJSON, SFTOptions.flags().specs),
                                (try RLOptions.parse([]).userConfigJSON, RLOptions.flags().specs)] {
            guard case .object(let kv) = config else { return XCTFail("not an object") }
            XCTAssertEqual(kv.map(\.0), specs.map(\.configKey))
        }
        XCTAssertEqual(try SFTOptions.parse(["--model-step=2"]).userConfigJSON["model_step"]?.int, 2)
        XCTAssertEqual(TrainOptions.flags(program: "bench train").program, "bench train")
    }

    func testEveryToolTableDeclaresEachFieldOnce() {
        func names<T: ToolOptions>(_ type: T.Type) -> [String] { T.fields.map(\.name) }
        for (program, list) in [("base_eval", names(BaseEvalOptions.self)), ("chat_eval", names(ChatEvalCommandOptions.self)),
                                ("chat_cli", names(ChatCLIOptions.self)), ("chat_web", names(ChatWebOptions.self)),
                                ("dataset", names(DatasetOptions.self)), ("report", names(ReportOptions.self)),
                                ("tok_train", names(TokTrainOptions.self)), ("tok_eval", names(TokEvalOptions.self)),
                                ("base_train", names(TrainOptions.self)), ("chat_sft", names(SFTOptions.self)), ("chat_rl", names(RLOptions.self))] {
            XCTAssertEqual(Set(list).count, list.count, program)
        }
        XCTAssertEqual(try DatasetOptions.parse(["-n", "3", "-w", "2"]).numFiles, 3)
        XCTAssertEqual(try TokTrainOptions.parse(["--vocab-size=300", "--eval"]).vocabSize, 300)
        XCTAssertNil(try ReportOptions.parse([]).baseDir)
        // the saved config is the table's: argparse names, typed values
        XCTAssertEqual(try DatasetOptions.parse(["-n", "3"]).userConfigJSON["num_files"]?.int, 3)
    }
}
