import Foundation

/// Optimizer state as one safetensors file per rank (nanochat's `optim_S_rankR`): every moment buffer this
/// rank owns as an F32 tensor named as in a one-process run, with the owned rows / matrices as dim 0, and
/// the step count, rank/world size and group hyper-parameters (as JSON) in the metadata. Loading reads
/// the files of all saved ranks and re-shards: a run resumes on any number of ranks.
extension MuonAdamW {
    /// v2: owned parts per rank. v1 (before sharding) held the whole state in every rank's file.
    static let stateFormat = "nanochat-swift-muonadamw-v2"
    static let replicatedStateFormat = "nanochat-swift-muonadamw-v1"

    /// One state tensor: `units` along dim 0 (rows of an AdamW tensor, matrices of a Muon group), split
    /// over ranks unless replicated, `tail` the rest of its shape.
    struct StateTensor {
        let name: String
        let tail: [Int]
        let units: Int
        let replicated: Bool
        let owned: Range<Int>
        let buffer: FlatBuffer
        let offset: Int
        var unitSize: Int { tail.reduce(1, *) }
        func shape(_ k: Int) -> [Int] { [k] + tail }
        /// The units saved rank `rank` of `world` held.
        func held(rank: Int, world: Int) -> Range<Int> {
            replicated ? 0..<units : Sharding.owned(units, rank: rank, world: world)
        }
    }

    /// Every state tensor of this rank, in group order.
    var stateTensors: [StateTensor] {
        var out: [StateTensor] = []
        for (gi, g) in groups.enumerated() {
            switch g.kind {
            case .adamw:
                for s in adamSlots[gi] {
                    let tail = Array(s.entry.shape.dropFirst())
                    for (suffix, buf) in [("exp_avg", adamExpAvg), ("exp_avg_sq", adamExpAvgSq)] {
                        out.append(StateTensor(name: "adamw.\(s.entry.name).\(suffix)", tail: tail, units: s.totalRows,
                                               replicated: !s.sharded, owned: s.rows, buffer: buf, offset: s.state))
                    }
                }
            case .muon:
                let p = muonPlans[gi]!
                out.append(StateTensor(name: "muon.\(gi).momentum_buffer", tail: [p.m, p.n], units: p.entries.count,
                                       replicated: false, owned: p.owned, buffer: muonMomentum, offset: p.momentum))
                out.append(StateTensor(name: "muon.\(gi).second_momentum_buffer", tail: Array(p.secondShape(1).dropFirst()),
                                       units: p.entries.count, replicated: false, owned: p.owned, buffer: muonSecond,
                                       offset: p.second))
            }
        }
        return out
    }

    /// This rank's file.
    public func save(to path: String) throws {
        var w = SafetensorsWriter()
        for t in stateTensors { w.add(t.name, shape: t.shape(t.owned.count), f32: UnsafePointer(t.buffer.ptr + t.offset)) }
        let groupsJSON = String(decoding: try JSONEncoder().encode(groups), as: UTF8.self)
        try w.write(to: path, metadata: ["format": Self.stateFormat, "step": String(stepCount), "rank": String(rank),
                                         "world_size": String(worldSize), "param_groups": groupsJSON])
    }

    /// A state file written by a one-process run (or, in the v1 format, by any rank).
    public func load(from path: String) throws { try load(shards: { _ in path }) }

    /// Loads the state saved by W ranks (W read from the first file; `path(r)` names rank r's file) into
    /// this rank of this world size, taking from each saved file the rows and matrices it now owns.
    public func load(shards path: (Int) -> String) throws {
        let first = try SafetensorsFile(path: path(0))
        let (step, saved) = try Self.checkHeader(first, path: path(0), groups: groups)
        let savedWorld: Int
        if first.metadata["format"] == Self.replicatedStateFormat {
            savedWorld = 1   // every v1 file held the whole state
        } else {
            guard let w = first.metadata["world_size"].flatMap({ Int($0) }), w >= 1, first.metadata["rank"] == "0" else {
                throw NanoChatError(file: path(0), "missing or bad 'rank'/'world_size' in metadata (expected rank 0)")
            }
            savedWorld = w
        }
        var files = [first]
        for r in 1..<max(1, savedWorld) {
            guard Paths.exists(path(r)) else {
                throw NanoChatError(file: path(r), "missing: the optimizer state was saved by \(savedWorld) ranks and every rank's file is needed")
            }
            let f = try SafetensorsFile(path: path(r))
            let (s, _) = try Self.checkHeader(f, path: path(r), groups: groups)
            guard f.metadata["rank"] == String(r), f.metadata["world_size"] == String(savedWorld), s == step else {
                throw NanoChatError(file: path(r), "rank/world_size/step \(f.metadata["rank"] ?? "?")/\(f.metadata["world_size"] ?? "?")/\(s) do not match rank \(r) of \(savedWorld) at step \(step)")
            }
            files.append(f)
        }
        let tensors = stateTensors
        for t in tensors {   // validate every file before touching any state
            for (r, f) in files.enumerated() {
                let info = try f.info(t.name)
                let expect = t.shape(t.held(rank: r, world: savedWorld).count)
                guard info.dtype == .F32 else { throw NanoChatError(file: path(r), "tensor \(t.name) is \(info.dtype.rawValue), expected F32") }
                guard info.shape == expect else {
                    throw NanoChatError(file: path(r), "tensor \(t.name) has shape \(info.shape), expected \(expect) (rank \(r) of \(savedWorld))")
                }
            }
        }
        for t in tensors {
            for (r, f) in files.enumerated() {
                let held = t.held(rank: r, world: savedWorld)
                let lo = max(held.lowerBound, t.owned.lowerBound), hi = min(held.upperBound, t.owned.upperBound)
                if lo >= hi { continue }
                let take = lo..<hi   // units of the saved file that this rank now owns
                let dst = t.buffer.ptr + t.offset + (take.lowerBound - t.owned.lowerBound) * t.unitSize
                if take == held {
                    try f.read(t.name, into: dst, shape: t.shape(held.count))
                } else {
                    let all = try f.floats(t.name, shape: t.shape(held.count))
                    let from = (take.lowerBound - held.lowerBound) * t.unitSize
                    all.withUnsafeBufferPointer { dst.update(from: $0.baseAddress! + from, count: take.count * t.unitSize) }
                }
                if t.replicated { break }   // every file holds the whole tensor
            }
        }
        groups = saved
        stepCount = step
    }

    /// Format, step and param groups of one file, checked against this optimizer's groups.
    static func checkHeader(_ f: SafetensorsFile, path: String, groups: [Group]) throws -> (step: Int, groups: [Group]) {
        guard f.metadata["format"] == stateFormat || f.metadata["format"] == replicatedStateFormat else {
            throw NanoChatError(file: path, "not a MuonAdamW state file (format \(f.metadata["format"] ?? "missing"))")
        }
        guard let step = f.metadata["step"].flatMap({ Int($0) }), step >= 0 else {
            throw NanoChatError(file: path, "missing or bad 'step' in metadata")
        }
        guard f.metadata["world_size"].flatMap({ Int($0) }) != nil, f.metadata["rank"].flatMap({ Int($0) }) != nil else {
            throw NanoChatError(file: path, "missing or bad 'rank'/'world_size' in metadata")
        }
        guard let gj = f.metadata["param_groups"], let saved = try? JSONDecoder().decode([Group].self, from: Data(gj.utf8)) else {
            throw NanoChatError(file: path, "missing or malformed 'param_groups' in metadata")
        }
        guard saved.count == groups.count else {
            throw NanoChatError(file: path, "has \(saved.count) param groups, this optimizer has \(groups.count)")
        }
        for (i, (a, b)) in zip(saved, groups).enumerated() where a.kind != b.kind || a.names != b.names {
            throw NanoChatError(file: path, "param group \(i) (\(a.kind.rawValue): \(a.names.prefix(3).joined(separator: ", "))…) does not match this model's (\(b.kind.rawValue): \(b.names.prefix(3).joined(separator: ", "))…)")
        }
        return (step, saved)
    }
}
