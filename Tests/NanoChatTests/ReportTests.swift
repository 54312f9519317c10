import Foundation
import XCTest
@testable import NanoChat

final class TrainLogTests: XCTestCase {
    /// Missing keys, half-written lines, non-JSON lines, Infinity, and a step logged twice (later wins).
    func testReadsTolerantly() {
        let text = """
        {"step": 0, "loss": 10.5, "lrm": 1.0, "dt": 0.5, "tok_per_sec": 1000, "mfu": 1.5, "val_bpb": 3.2}
        {"step": 1, "loss": 9.0}
        not json at all
        {"loss": 8.0}
        {"step": 2, "loss": 8.5, "val_bpb": Infinity, "core": 0.01}
        {"step": 1, "loss": 9.25, "dt": 0.25}
        {"step": 3, "loss": 8.
        """
        let log = TrainLog.parse(text)
        XCTAssertEqual(log.entries.map(\.step), [0, 1, 2])
        XCTAssertEqual(log.skippedLines, 3)
        XCTAssertEqual(log.entries[1].loss, 9.25)
        XCTAssertNil(log.entries[1].valBpb)
        XCTAssertEqual(log.last(\.loss)?.value, 8.5)
        XCTAssertEqual(log.last(\.core)?.step, 2)
        XCTAssertEqual(log.series(\.valBpb).count, 2)
        XCTAssertEqual(log.trainingSeconds, 0.75)
        XCTAssertEqual(log.medianTokPerSec, 1000)
        XCTAssertNil(TrainLog.read(file: "/nonexistent/train_log.jsonl"))
    }
}

final class LinePlotTests: XCTestCase {
    func testTicks() {
        XCTAssertEqual(LinePlot.ticks(0, 100, .linear), [0, 20, 40, 60, 80, 100])
        XCTAssertEqual(LinePlot.ticks(3.1, 3.9, .linear).first!, 3.2, accuracy: 1e-9)
        XCTAssertEqual(LinePlot.ticks(1, 1000, .log), [1, 10, 100, 1000])
        XCTAssertEqual(LinePlot.ticks(3, 11, .log), [3, 4, 5, 6, 7, 8, 9, 10])   // too few decades: 1…9 multiples
        XCTAssertTrue(LinePlot.ticks(1, 1, .linear).isEmpty)
        XCTAssertEqual(LinePlot.label(12_000), "12k")
        XCTAssertEqual(LinePlot.label(0.05), "0.05")
        XCTAssertEqual(LinePlot.label(3.25), "3.25")
    }

    /// Non-finite points and non-positive points on log axes are left out; no data still gives a valid SVG.
    func testDropsUndrawablePoints() {
        var plot = LinePlot(title: "t <&>", xLabel: "step", yLabel: "loss", xScale: .log, yScale: .log,
                            series: [.init(name: "a", points: [(0, 1), (1, .nan), (2, -1), (3, 2)])])
        XCTAssertEqual(plot.drawable(plot.series[0]).count, 1)
        XCTAssertTrue(plot.svg.contains("t &lt;&amp;&gt;"))
        XCTAssertFalse(plot.svg.contains("nan"))
        plot.series = []
        XCTAssertTrue(plot.svg.contains("no data"))
    }
}

final class ReportTests: XCTestCase {
    /// A base dir with two logged runs (one resumed: a duplicated step), one run without a log, and a
    /// broken log line: report.md lists all three, the plots overlay the two logged runs.
    func makeBaseDir() throws -> String {
        let base = TestPaths.tempDir("report")
        for (tag, steps, scale) in [("d2", 60, 1.0), ("d4", 80, 0.9)] {
            let dir = base + "/base_checkpoints/" + tag
            try Paths.ensureDir(dir)
            var lines: [String] = []
            for s in 0..<steps {
                let loss = scale * (3.5 + 7 * exp(-Double(s) / 15))
                var line = "{\"step\": \(s), \"loss\": \(loss), \"lrm\": 1.0, \"dt\": 0.2, \"tok_per_sec\": \(4000 + s), \"mfu\": 1.0"
                if s % 20 == 0 || s == steps - 1 { line += ", \"val_bpb\": \(loss / 2.6)" }
                lines.append(line + "}")
            }
            lines.append("{\"step\": 5, \"loss\": ") // a run killed mid-write
            try lines.joined(separator: "\n").write(toFile: dir + "/train_log.jsonl", atomically: true, encoding: .utf8)
            let cfg = GPTConfig(sequenceLen: 64, vocabSize: 512, nLayer: tag == "d2" ? 2 : 4, nHead: 2, nKvHead: 2, nEmbd: 64)
            let meta: JSONValue = .object([("step", .int(steps - 1)), ("val_bpb", .double(1.5)),
                                           ("model_config", try JSONValue.encoding(cfg)),
                                           ("user_config", .object([("depth", .string(String(tag.dropFirst()))), ("num_iterations", .int(steps))])),
                                           ("loop_state", .object([("smooth_train_loss", .double(3.9)), ("total_training_time", .double(12.5))]))])
            try meta.serialized().write(toFile: CheckpointManager.metaPath(dir, steps - 1), atomically: true, encoding: .utf8)
        }
        try Paths.ensureDir(base + "/chatsft_checkpoints/d4")
        try JSONValue.object([("step", .int(3))]).serialized()
            .write(toFile: CheckpointManager.metaPath(base + "/chatsft_checkpoints/d4", 3), atomically: true, encoding: .utf8)
        return base
    }

    func testWritesMarkdownAndPlots() throws {
        let base = try makeBaseDir()
        defer { try? FileManager.default.removeItem(atPath: base) }
        var report = Report(baseDir: base)
        report.repoDir = TestPaths.repoRoot
        let w = try report.write()
        XCTAssertEqual(w.runs, 3)
        XCTAssertEqual(w.plots.map { ($0 as NSString).lastPathComponent },
                       ["train_loss.svg", "train_loss_log.svg", "val_bpb.svg", "val_bpb_log.svg"])
        let md = try String(contentsOfFile: w.markdown, encoding: .utf8)
        for part in ["## Machine", "CPU:", "## Training runs", "| base/d2 |", "| base/d4 |", "| sft/d4 |", "1 unreadable lines skipped",
                     "No `train_log.jsonl`, so this run is not in the plots", "![Training loss](train_loss.svg)", "| num_iterations | `80` |",
                     "meta could not be read"] {
            XCTAssertTrue(md.contains(part), "report.md lacks \(part):\n\(md)")
        }
        // the d4 row: last logged loss, last logged val bpb, median tok/s, the meta's training time
        let d4 = md.split(separator: "\n").first { $0.hasPrefix("| base/d4 |") }!
        XCTAssertTrue(d4.contains("| 79 |") && d4.contains("12.5s"), String(d4))
        let svg = try String(contentsOfFile: w.plots[0], encoding: .utf8)
        XCTAssertTrue(svg.contains(">base/d2</text>") && svg.contains(">base/d4</text>"))
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2)
    }

    /// The plot as a real renderer draws it: rsvg-convert (Debian librsvg2-bin) must accept the SVG and
    /// produce a PNG of the plot's size that is not blank — far more compressed data than the same-size
    /// white page, and different from the empty ("no data") plot.
    func testPlotRendersWithRsvg() throws {
        guard let rsvg = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert", "/opt/homebrew/bin/rsvg-convert"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("rsvg-convert not installed (apt-get install librsvg2-bin); SVG not rendered")
        }
        let base = try makeBaseDir()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let w = try Report(baseDir: base).write()
        func render(_ svg: String, _ name: String) throws -> Data {
            let src = base + "/\(name).svg", png = base + "/\(name).png"
            try svg.write(toFile: src, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: rsvg)
            p.arguments = ["-f", "png", "-o", png, src]
            let err = Pipe()
            p.standardError = err
            try p.run(); p.waitUntilExit()
            let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertEqual(p.terminationStatus, 0, "rsvg-convert failed on \(name): \(msg)")
            return try Data(contentsOf: URL(fileURLWithPath: png))
        }
        func size(_ png: Data) -> (Int, Int) {   // IHDR: width and height, big-endian, at bytes 16 and 20
            let b = [UInt8](png.prefix(24))
            XCTAssertEqual(Array(b.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "not a PNG")
            func be(_ i: Int) -> Int { b[i...(i + 3)].reduce(0) { $0 << 8 | Int($1) } }
            return (be(16), be(20))
        }
        var plots: [Data] = []
        for path in w.plots {
            plots.append(try render(try String(contentsOfFile: path, encoding: .utf8), (path as NSString).lastPathComponent))
        }
        let blank = try render(SVG(width: 760, height: 440).document, "blank")
        let empty = try render(LinePlot(title: "Training loss", xLabel: "step", yLabel: "loss").svg, "empty")
        for png in plots {
            let (wd, ht) = size(png)
            XCTAssertEqual(wd, 760); XCTAssertEqual(ht, 440)
            XCTAssertGreaterThan(png.count, 5 * blank.count, "the rendered plot looks blank (\(png.count) vs \(blank.count) bytes)")
            XCTAssertGreaterThan(png.count, empty.count, "the plot has no more ink than an empty plot")
        }
    }
}
