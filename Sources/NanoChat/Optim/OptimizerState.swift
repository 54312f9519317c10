import Foundation

/// Optimizer state as one safetensors file: every moment buffer as an F32 tensor, and the step count,
/// rank/world size and group hyper-parameters (as JSON) in the metadata. Loading checks everything
/// against this optimizer's own groups and shapes.
extension MuonAdamW {
    static let stateFormat = "nanochat-swift-muonadamw-v1"

    /// (tensor name, shape, buffer, offset) of every state tensor, in group order.
    private var stateTensors: [(name: String, shape: [Int], buffer: FlatBuffer, offset: Int)] {
        var out: [(String, [Int], FlatBuffer, Int)] = []
        for (gi, g) in groups.enumerated() {
            switch g.kind {
            case .adamw:
                for slot in adamSlots[gi] {
                    out.append(("adamw.\(slot.entry.name).exp_avg", slot.entry.shape, adamExpAvg, slot.state))
                    out.append(("adamw.\(slot.entry.name).exp_avg_sq", slot.entry.shape, adamExpAvgSq, slot.state))
                }
            case .muon:
                let p = muonPlans[gi]!
                out.append(("muon.\(gi).momentum_buffer", [p.entries.count, p.m, p.n], muonMomentum, p.momentum))
                out.append(("muon.\(gi).second_momentum_buffer", p.secondShape, muonSecond, p.second))
            }
        }
        return out
    }

    public func save(to path: String) throws {
        var w = SafetensorsWriter()
        let tensors = stateTensors
        for t in tensors { w.add(t.name, shape: t.shape, f32: UnsafePointer(t.buffer.ptr + t.offset)) }
        let groupsJSON = String(decoding: try JSONEncoder().encode(groups), as: UTF8.self)
        try w.write(to: path, metadata: ["format": Self.stateFormat, "step": String(stepCount), "rank": String(rank),
                                         "world_size": String(worldSize), "param_groups": groupsJSON])
    }

    public func load(from path: String) throws {
        let f = try SafetensorsFile(path: path)
        guard f.metadata["format"] == Self.stateFormat else {
            throw NanoChatError(file: path, "not a MuonAdamW state file (format \(f.metadata["format"] ?? "missing"))")
        }
        guard let step = f.metadata["step"].flatMap({ Int($0) }), step >= 0 else {
            throw NanoChatError(file: path, "missing or bad 'step' in metadata")
        }
        // Every rank holds the full (replicated) state today, so a file from any rank of any world size is
        // valid here: this is what lets a run resume on a different number of ranks. rank/world_size stay in
        // the metadata for a future sharded optimizer, which will have to re-shard on load.
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
        let tensors = stateTensors
        for t in tensors {   // validate all before touching any state
            let info = try f.info(t.name)
            guard info.dtype == .F32 else { throw NanoChatError(file: path, "tensor \(t.name) is \(info.dtype.rawValue), expected F32") }
            guard info.shape == t.shape else {
                throw NanoChatError(file: path, "tensor \(t.name) has shape \(info.shape), expected \(t.shape)")
            }
        }
        for t in tensors { try f.read(t.name, into: t.buffer.ptr + t.offset, shape: t.shape) }
        groups = saved
        stepCount = step
    }
}
