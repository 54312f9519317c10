import Foundation

extension GPT {
    /// Loads every parameter from a safetensors file with nanochat's names (a leading "_orig_mod." from
    /// torch.compile is stripped). Strict: every tensor present with its shape, no extras; F32 or BF16.
    public func load(from file: SafetensorsFile) throws {
        requireFP32Matrices("GPT.load")
        let prefix = "_orig_mod."
        var byName: [String: String] = [:]   // our name -> file name
        for n in file.names {
            let ours = n.hasPrefix(prefix) ? String(n.dropFirst(prefix.count)) : n
            guard layout[ours] != nil else { throw NanoChatError(file: file.path, "unexpected tensor \(n) (not a parameter of this model config)") }
            byName[ours] = n
        }
        for e in layout.entries {
            guard let fn = byName[e.name] else { throw NanoChatError(file: file.path, "missing tensor \(e.name)") }
            let info = try file.info(fn)
            guard info.dtype == .F32 || info.dtype == .BF16 else {
                throw NanoChatError(file: file.path, "tensor \(fn) has dtype \(info.dtype.rawValue), expected F32 or BF16")
            }
            guard info.shape == e.shape else {
                throw NanoChatError(file: file.path, "tensor \(fn) has shape \(info.shape), expected \(e.shape)")
            }
        }
        for e in layout.entries { try file.read(byName[e.name]!, into: params.view(e), shape: e.shape) }
    }

    public func load(from path: String) throws { try load(from: SafetensorsFile(path: path)) }

    /// Writes all parameters as F32 safetensors with nanochat's names in state_dict order (atomic).
    public func save(to path: String) throws {
        requireFP32Matrices("GPT.save")
        var w = SafetensorsWriter()
        for e in layout.entries { w.add(e.name, shape: e.shape, f32: UnsafePointer(params.view(e))) }
        try w.write(to: path, metadata: ["format": "pt"])
    }
}
