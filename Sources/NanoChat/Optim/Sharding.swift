/// Who owns which part of the optimizer state (nanochat's ZeRO-2-like split in nanochat/optim.py: MuonAdamW.step). A
/// Muon group of K matrices, or an AdamW tensor of ≥ 1024 elements along dim 0, is cut into W consecutive chunks of
/// ceil(n/W) units: rank r owns units [r·chunk, min((r+1)·chunk, n)), so the last ranks may own fewer or
/// none (nanochat zero-pads K to chunk·W instead; for AdamW it asserts W divides dim 0, where both
/// rules agree). Smaller AdamW tensors are replicated: every rank updates all of them.
public enum Sharding {
    /// AdamW tensors with fewer elements are all-reduced and updated whole on every rank (nanochat's 1024).
    public static let minShardedCount = 1024

    public static func chunk(_ units: Int, world: Int) -> Int { (units + world - 1) / world }

    /// The units rank `rank` of `world` owns.
    public static func owned(_ units: Int, rank: Int, world: Int) -> Range<Int> {
        let c = chunk(units, world: world)
        let lo = min(rank * c, units)
        return lo..<min(lo + c, units)
    }

    /// Elements each rank owns, for `units` units of `unitSize` elements (reduce-scatter / all-gather counts).
    public static func counts(_ units: Int, unitSize: Int, world: Int) -> [Int] {
        (0..<world).map { owned(units, rank: $0, world: world).count * unitSize }
    }

    /// Does an AdamW tensor of this shape get sharded along dim 0?
    public static func shardsAdamW(_ shape: [Int]) -> Bool { shape.reduce(1, *) >= minShardedCount }
}
