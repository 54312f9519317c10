import Foundation
import NanoChat

// report: nanochat's report.py — $NANOCHAT_BASE_DIR/report/report.md with the machine, git commit,
// tokenizer, every training run (config, final loss, val bpb, CORE, tokens/s, time) and SVG plots of
// training loss and val bpb against step (Sources/NanoChat/Report).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
runMain {
    let flags = Flags(program: "report", summary: "Write report.md and loss / val bpb plots (SVG) for the runs under $NANOCHAT_BASE_DIR.")
    flags.define("base-dir", "", "where the runs are (default $NANOCHAT_BASE_DIR, else ~/.cache/nanochat)")
    flags.define("output-dir", "", "where report.md and the plots go (default <base-dir>/report)")
    try flags.parse()
    let base = flags.optionalString("base-dir") ?? Paths.baseDir
    guard Paths.exists(base) else { throw NanoChatError(file: base, "no such directory (nothing to report on)") }
    let report = Report(baseDir: base, outDir: flags.optionalString("output-dir"))
    let w = try report.write()
    print0("report: \(w.markdown) (\(w.runs) run\(w.runs == 1 ? "" : "s"))")
    for p in w.plots { print0("plot:   \(p)") }
}
