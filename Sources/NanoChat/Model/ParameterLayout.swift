/// Every parameter tensor of nanochat's GPT (nanochat/gpt.py: GPT.__init__) with its nanochat state_dict name and
/// PyTorch shape, and where it lives in the one flat parameter (and gradient) buffer. `entries` are in state_dict
/// order; the memory order differs (see `init`).
public struct ParamEntry: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
    public var range: Range<Int> { offset..<(offset + count) }
}

public struct ParameterLayout: Sendable {
    public let entries: [ParamEntry]
    /// Floats in the flat buffer, including alignment padding between tensors (always zero).
    public let totalCount: Int
    private let index: [String: Int]

    /// Tensors start on 16-float (64-byte) boundaries so SIMD loops see aligned rows (except members of
    /// a block-matrix group after its first, which follow each other without padding).
    public static let alignment = 16

    public init(config c: GPTConfig) {
        let C = c.nEmbd, D = c.headDim, H = c.nHead, Hkv = c.nKvHead, L = c.nLayer, Vp = c.paddedVocab
        var shapes: [(String, [Int])] = [
            ("resid_lambdas", [L]), ("x0_lambdas", [L]), ("smear_lambda", [1]), ("backout_lambda", [1]),
            ("transformer.wte.weight", [Vp, C]),
        ]
        for i in 0..<L {
            let p = "transformer.h.\(i)."
            shapes += [(p + "attn.c_q.weight", [H * D, C]), (p + "attn.c_k.weight", [Hkv * D, C]),
                       (p + "attn.c_v.weight", [Hkv * D, C]), (p + "attn.c_proj.weight", [C, C])]
            if c.hasValueEmbed(i) { shapes.append((p + "attn.ve_gate.weight", [Hkv, 12])) }
            shapes += [(p + "mlp.c_fc.weight", [4 * C, C]), (p + "mlp.c_proj.weight", [C, 4 * C])]
        }
        shapes += [("lm_head.weight", [Vp, C]), ("smear_gate.weight", [1, 24])]
        for i in 0..<L where c.hasValueEmbed(i) { shapes.append(("value_embeds.\(i).weight", [Vp, Hkv * D])) }

        // Memory order: the other tensors in state_dict order, then the block matrices grouped by shape
        // (shapes sorted as tuples, members in model order, no padding inside a group): each of the
        // optimizer's Muon groups (nanochat/gpt.py: GPT.setup_optimizer) is then one contiguous [K, m, n] block,
        // reduce-scattered and all-gathered with one call each (MuonAdamW). Checkpoints are read and written by name.
        var offsets: [String: Int] = [:]
        var off = 0
        func align() { off = (off + Self.alignment - 1) / Self.alignment * Self.alignment }
        for (n, s) in shapes where !n.hasPrefix("transformer.h.") {
            offsets[n] = off
            off += s.reduce(1, *)
            align()
        }
        let blocks = shapes.filter { $0.0.hasPrefix("transformer.h.") }
        for shape in Set(blocks.map(\.1)).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            for (n, s) in blocks where s == shape {
                offsets[n] = off
                off += s.reduce(1, *)
            }
            align()
        }
        let entries = shapes.map { ParamEntry(name: $0.0, shape: $0.1, offset: offsets[$0.0]!) }
        self.entries = entries
        self.totalCount = off
        self.index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    public subscript(name: String) -> ParamEntry? { index[name].map { entries[$0] } }
    /// For names known to exist (the model's own); traps with the name otherwise.
    public func entry(_ name: String) -> ParamEntry {
        guard let e = self[name] else { fatalError("no parameter named \(name)") }
        return e
    }
    /// Number of real parameters (no padding).
    public var numParams: Int { entries.reduce(0) { $0 + $1.count } }
}

/// One aligned, zero-initialized Float buffer with identity: parameters, gradients, optimizer moments.
public final class FlatBuffer: @unchecked Sendable {
    public let count: Int
    public let ptr: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        ptr = .allocateAligned(count, repeating: 0)
    }
    deinit { UnsafeMutableRawPointer(ptr).deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: ptr, count: count) }
    public func zero() { ptr.update(repeating: 0, count: count) }
    public func view(_ e: ParamEntry) -> UnsafeMutablePointer<Float> { ptr + e.offset }
    public func copy(from other: FlatBuffer) { precondition(other.count == count); ptr.update(from: other.ptr, count: count) }
    public subscript(i: Int) -> Float {
        get { ptr[i] }
        set { ptr[i] = newValue }
    }
}
