import Foundation

/// report's flags: where the runs are and where the report goes.
public struct ReportOptions: ToolOptions {
    public var baseDir: String? = nil
    public var outputDir: String? = nil

    public init() {}
    public static let program = "report"
    public static let summary = "Write report.md and loss / val bpb plots (SVG) for the runs under $NANOCHAT_BASE_DIR."
    public static let fields: [OptionField<ReportOptions>] = [
        .optionalString("base-dir", \.baseDir, "where the runs are (default $NANOCHAT_BASE_DIR, else ~/.cache/nanochat)", unset: ""),
        .optionalString("output-dir", \.outputDir, "where report.md and the plots go (default <base-dir>/report)", unset: ""),
    ]
}

/// report (nanochat's report.py): report.md with the machine, git commit, tokenizer, every training run
/// (config, final loss, val bpb, CORE, tokens/s, time) and SVG plots of training loss and val bpb against step.
public enum ReportCommand {
    public static func run(_ options: ReportOptions) throws {
        let base = options.baseDir ?? Paths.baseDir
        guard Paths.exists(base) else { throw NanoChatError(file: base, "no such directory (nothing to report on)") }
        let written = try Report(baseDir: base, outDir: options.outputDir).write()
        print0("report: \(written.markdown) (\(written.runs) run\(written.runs == 1 ? "" : "s"))")
        for plot in written.plots { print0("plot:   \(plot)") }
    }
}
