import NanoChat

// report: nanochat's report.py — $NANOCHAT_BASE_DIR/report/report.md and SVG plots of every training run:
// flags → ReportCommand (Sources/NanoChat/Report/ReportCommand.swift).
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
ReportOptions.runTool { options, _ in try ReportCommand.run(options) }
