import Foundation

/// Appends `<checkpoint dir>/train_log.jsonl`: one JSON object per line, one line per step (the `report`
/// tool plots it). Schema (snake_case; a key is absent when not measured at that step):
///
///     step         Int     the step (nanochat's wandb convention: evals at step s measure the model after s steps,
///                          training fields describe the optimization step s → s+1)
///     loss         Double  smoothed, debiased training loss as printed on the step line (nanochat's train/loss)
///     raw_loss     Double  the step's own loss (last micro-batch with valid targets)
///     lrm          Double  lr multiplier of the step
///     dt           Double  seconds of the step
///     tok_per_sec  Int     tokens per second over all ranks
///     mfu          Double  % of the CPU's fp32 FMA limit (PeakFLOPS)
///     val_bpb      Double  validation bits per byte, when evaluated at this step
///     core         Double  CORE metric, when evaluated at this step
///
/// The final pass (step = num_iterations) trains nothing: its line has only `step` and the evals. Non-finite
/// numbers are written as null. On start the file is cut back to the lines of steps before the run's first
/// step (a resumed run drops what the interrupted run logged past its checkpoint; a fresh run starts empty),
/// so a resumed run's log equals an uninterrupted one's except for the timings. Rank 0 writes; others no-op.
public final class TrainLogWriter {
    public static let fileName = "train_log.jsonl"
    public let path: String

    /// Keeps only the existing lines whose step is < `firstStep` (unparsable lines, e.g. half a line from a
    /// killed run, are dropped too).
    public init(directory: String, firstStep: Int) throws {
        path = Paths.join(directory, Self.fileName)
        var kept = ""
        if firstStep > 0, let data = FileManager.default.contents(atPath: path) {
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let step = obj["step"] as? Int, step < firstStep else { continue }
                kept += line + "\n"
            }
        }
        try atomicWrite(Data(kept.utf8), to: path)
    }

    /// One step's line; `fields` in the order given, nil values left out.
    public func append(step: Int, _ fields: [(String, Double?)]) throws {
        var line = "{\"step\": \(step)"
        for (key, value) in fields {
            guard let v = value else { continue }
            let text: String
            if !v.isFinite { text = "null" }
            else if key == "tok_per_sec" { text = String(Int(v)) }
            else { text = "\(v)" }
            line += ", \"\(key)\": \(text)"
        }
        line += "}\n"
        guard let handle = FileHandle(forWritingAtPath: path) else { throw NanoChatError(file: path, "cannot open the training log for appending") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw NanoChatError(file: path, "cannot append to the training log (\(error.localizedDescription))")
        }
    }
}
