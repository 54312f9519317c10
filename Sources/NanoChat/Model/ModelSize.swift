import Foundation

/// Parameter count and memory a model needs, from its config alone, so an absurd size (a huge `--depth`, a
/// meta asking for terabytes) is refused with one line before anything is allocated. Only valid configs
/// (`GPTConfig.validate`, which bounds every field) are sized, so the integer counts cannot overflow.
public struct ModelSize: Sendable {
    public let parameters: Int
    /// Weights + gradients + rotary tables: what `GPT(config:)` allocates.
    public let modelBytes: Double
    /// modelBytes + optimizer state (AdamW moments / Muon momentum and second moment, at most 2 per parameter).
    public let trainingBytes: Double
    /// Activation bytes per row (token) of a forward+backward, plus the row-independent attention/head scratch.
    public let activationBytesPerRow: Double, scratchBytes: Double

    public init(_ c: GPTConfig) {
        let layout = ParameterLayout(config: c)
        parameters = layout.numParams
        let floats = 4.0, P = Double(layout.totalCount)
        let C = Double(c.nEmbd), HD = Double(c.nHead * c.headDim), HkvD = Double(c.nKvHead * c.headDim)
        let H = Double(c.nHead), Hkv = Double(c.nKvHead), L = Double(c.nLayer), V = Double(c.vocabSize)
        let rotary = Double(c.rotaryLimit) * Double(c.headDim)
        modelBytes = floats * (2 * P + rotary)
        trainingBytes = modelBytes + floats * (2 * P + V * C)   // + optimizer state + the fused head's lm_head grad
        // the buffers of Activations per row: whole-model ones, then each layer's saved tensors
        let whole = 15 * C + 3 * HD + 3 * HkvD + 6 + max(2, Hkv)
        let perLayer = 7 * C + 2 * HD + 2 * HkvD + 2 * H + 2 * Hkv + 2
        activationBytesPerRow = floats * (whole + L * perLayer)
        let window = Double(c.windowSizes.max() ?? c.sequenceLen)
        scratchBytes = floats * (2 * window * min(window, 128) + Double(Threads.count + 256) * V)
    }

    /// Bytes to train (or evaluate, `training: false`) on `rows` = B·T tokens per forward.
    public func bytes(rows: Int, training: Bool) -> Double {
        (training ? trainingBytes : modelBytes) + Double(rows) * activationBytesPerRow + scratchBytes
    }

    /// Physical RAM of this machine.
    public static var physicalMemory: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// Throws one line with the parameter count, the memory needed and the machine's RAM when the model at
    /// `rows` tokens per forward needs more than 90% of this host's RAM shared by `ranksOnHost` processes.
    public static func check(_ config: GPTConfig, rows: Int, training: Bool, ranksOnHost: Int = 1, what: String) throws {
        try config.validate()
        let size = ModelSize(config)
        let need = size.bytes(rows: rows, training: training)
        let limit = 0.9 * physicalMemory / Double(max(1, ranksOnHost))
        guard need <= limit else {
            throw NanoChatError("\(what): \(commas(size.parameters)) parameters (n_layer \(config.nLayer), n_embd \(config.nEmbd), "
                + "vocab \(config.vocabSize)) need \(formatBytes(need)) to \(training ? "train" : "evaluate")"
                + (rows > 0 ? " at \(commas(rows)) tokens per forward" : "") + ", "
                + "but this machine has \(formatBytes(physicalMemory)) of RAM"
                + (ranksOnHost > 1 ? " for \(ranksOnHost) ranks" : "") + " (limit 90%: \(formatBytes(limit)))")
        }
    }

    public static func formatBytes(_ b: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
        var x = b, i = 0
        while x >= 1000 && i < units.count - 1 { x /= 1000; i += 1 }
        return String(format: i == 0 ? "%.0f %@" : "%.1f %@", x, units[i])
    }
}
