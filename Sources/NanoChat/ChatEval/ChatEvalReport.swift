import Foundation

/// The results table of chat_eval (task, accuracy, centered, problems, seconds, then ChatCORE when all
/// five tasks ran) as console text, CSV and markdown.
public enum ChatEvalReport {
    static func cells(_ r: ChatEvalResult) -> [String] {
        guard let acc = r.accuracy, let c = r.centered else {
            return [r.spec.name, "skipped", "", "0", "0", r.skipped ?? ""]
        }
        return [r.spec.name, String(format: "%.4f", acc), String(format: "%.4f", c), String(r.total), String(format: "%.1f", r.seconds), ""]
    }

    public static func chatCORE(_ results: [ChatEvalResult]) -> Double? {
        ChatEvalTasks.chatCORE(ChatEvalRunner.accuracies(results))
    }

    public static func table(_ results: [ChatEvalResult]) -> String {
        let header = ["Task", "Accuracy", "Centered", "Problems", "Seconds"]
        var rows = results.map { Array(cells($0).prefix(5)) }
        if let core = chatCORE(results) { rows.append(["ChatCORE", "", String(format: "%.4f", core), "", ""]) }
        let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in
                c == 0 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[c] - s.count) + s
            }.joined(separator: "  ")
        }
        return ([line(header), String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))] + rows.map(line))
            .joined(separator: "\n")
    }

    public static func csv(_ results: [ChatEvalResult]) -> String {
        var s = "task,accuracy,centered,problems,seconds,note\n"
        for r in results { s += cells(r).joined(separator: ",") + "\n" }
        if let core = chatCORE(results) { s += String(format: "ChatCORE,,%.6f,,,\n", core) }
        return s
    }

    public static func markdown(_ results: [ChatEvalResult], title: String) -> String {
        var s = "## \(title)\n\n| Task | Accuracy | Centered | Problems | Seconds |\n|---|---:|---:|---:|---:|\n"
        for r in results { s += "| " + cells(r).prefix(5).joined(separator: " | ") + " |\n" }
        if let core = chatCORE(results) { s += String(format: "| **ChatCORE** | | **%.4f** | | |\n", core) }
        return s
    }

    /// Writes `<label>_results.csv` and `.md` into `dir`; returns the CSV path.
    @discardableResult
    public static func write(_ results: [ChatEvalResult], dir: String, label: String, title: String) throws -> String {
        try Paths.ensureDir(dir)
        let csvPath = Paths.join(dir, "\(label)_results.csv")
        try atomicWrite(Data(csv(results).utf8), to: csvPath)
        try atomicWrite(Data(markdown(results, title: title).utf8), to: Paths.join(dir, "\(label)_results.md"))
        return csvPath
    }
}
