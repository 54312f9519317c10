import Foundation

/// The safetensors format (Hugging Face): 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then raw
/// little-endian tensor bytes. PyTorch's `safetensors.torch.load_file` reads what we write and vice versa.
public enum SafeDType: String, Sendable {
    case F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL
    public var size: Int {
        switch self {
        case .F64, .I64: return 8
        case .F32, .I32: return 4
        case .F16, .BF16, .I16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }
}

public struct SafeTensorInfo: Sendable {
    public let name: String
    public let dtype: SafeDType
    public let shape: [Int]
    public let begin: Int, end: Int
    public var count: Int { shape.reduce(1, *) }
}

/// A safetensors file read fully into memory and validated; tensors are converted on access.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let tensors: [String: SafeTensorInfo]
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw NanoChatError(file: path, "no such file") }
        guard let d = FileManager.default.contents(atPath: path) else { throw NanoChatError(file: path, "cannot read file") }
        data = d
        self.path = path
        guard d.count >= 8 else { throw NanoChatError(file: path, "not a safetensors file (only \(d.count) bytes)") }
        let n = d.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self))) }
        guard n > 1, n <= 100_000_000, 8 + n <= d.count else {
            throw NanoChatError(file: path, "corrupt safetensors header length \(n) for a file of \(d.count) bytes")
        }
        dataStart = 8 + n
        let headerBytes = d.subdata(in: 8..<(8 + n))
        guard let obj = try? JSONSerialization.jsonObject(with: headerBytes), let dict = obj as? [String: Any] else {
            throw NanoChatError(file: path, "corrupt safetensors header (not a JSON object)")
        }
        let payload = d.count - dataStart
        var ts: [String: SafeTensorInfo] = [:]
        var meta: [String: String] = [:]
        for (k, v) in dict {
            if k == "__metadata__" {
                if let m = v as? [String: Any] { for (mk, mv) in m { meta[mk] = "\(mv)" } }
                continue
            }
            guard let t = v as? [String: Any], let ds = t["dtype"] as? String,
                  let shp = t["shape"] as? [Any], let offs = t["data_offsets"] as? [Any], offs.count == 2 else {
                throw NanoChatError(file: path, "tensor \(k): malformed header entry")
            }
            guard let dt = SafeDType(rawValue: ds) else { throw NanoChatError(file: path, "tensor \(k): unsupported dtype \(ds)") }
            let shape = shp.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shp.count, shape.allSatisfy({ $0 >= 0 }) else { throw NanoChatError(file: path, "tensor \(k): bad shape") }
            guard let b = (offs[0] as? NSNumber)?.intValue, let e = (offs[1] as? NSNumber)?.intValue else {
                throw NanoChatError(file: path, "tensor \(k): bad data_offsets")
            }
            let info = SafeTensorInfo(name: k, dtype: dt, shape: shape, begin: b, end: e)
            guard b >= 0, e >= b, e <= payload else {
                throw NanoChatError(file: path, "tensor \(k): data [\(b), \(e)) beyond the \(payload) bytes present (truncated file?)")
            }
            guard e - b == info.count * dt.size else {
                throw NanoChatError(file: path, "tensor \(k): \(e - b) bytes do not match shape \(shape) of \(ds)")
            }
            ts[k] = info
        }
        tensors = ts
        metadata = meta
    }

    /// Tensor names in file order.
    public var names: [String] { tensors.values.sorted { $0.begin < $1.begin }.map(\.name) }

    public func info(_ name: String) throws -> SafeTensorInfo {
        guard let t = tensors[name] else { throw NanoChatError(file: path, "missing tensor \(name)") }
        return t
    }

    private func checkShape(_ t: SafeTensorInfo, _ expect: [Int]?) throws {
        if let e = expect, e != t.shape {
            throw NanoChatError(file: path, "tensor \(t.name) has shape \(t.shape), expected \(e)")
        }
    }

    /// Reads a floating tensor (F32, BF16, F16, F64) as Float into `dst` (which holds `count` floats).
    public func read(_ name: String, into dst: UnsafeMutablePointer<Float>, shape expect: [Int]? = nil) throws {
        let t = try info(name)
        try checkShape(t, expect)
        let n = t.count
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + t.begin
            switch t.dtype {
            case .F32:
                UnsafeMutableRawPointer(dst).copyMemory(from: base, byteCount: n * 4)
            case .BF16:
                for i in 0..<n { dst[i] = Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
            case .F16:
                #if arch(x86_64) || arch(arm64)
                for i in 0..<n { dst[i] = Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
                #endif
            case .F64:
                for i in 0..<n { dst[i] = Float(base.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
            case .I64:
                for i in 0..<n { dst[i] = Float(base.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
            case .I32:
                for i in 0..<n { dst[i] = Float(base.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
            default:
                for i in 0..<n { dst[i] = Float(base.load(fromByteOffset: i, as: UInt8.self)) }
            }
        }
    }

    public func floats(_ name: String, shape expect: [Int]? = nil) throws -> [Float] {
        let t = try info(name)
        var out = [Float](repeating: 0, count: t.count)
        try out.withUnsafeMutableBufferPointer { try read(name, into: $0.baseAddress!, shape: expect) }
        return out
    }

    /// Reads an integer tensor (I64, I32, I16, I8, U8) as Int.
    public func ints(_ name: String, shape expect: [Int]? = nil) throws -> [Int] {
        let t = try info(name)
        try checkShape(t, expect)
        return data.withUnsafeBytes { raw -> [Int] in
            let base = raw.baseAddress! + dataStart + t.begin
            switch t.dtype {
            case .I64: return (0..<t.count).map { Int(base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .I32: return (0..<t.count).map { Int(base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            case .I16: return (0..<t.count).map { Int(base.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
            case .I8: return (0..<t.count).map { Int(base.load(fromByteOffset: $0, as: Int8.self)) }
            default: return (0..<t.count).map { Int(base.load(fromByteOffset: $0, as: UInt8.self)) }
            }
        }
    }
}

/// Collects tensors (by pointer, no copy for large Float buffers) and writes one safetensors file
/// atomically: `<path>.tmp`, then rename.
public struct SafetensorsWriter {
    private enum Payload { case f32(UnsafePointer<Float>), floats([Float]), i64([Int64]) }
    private var items: [(name: String, shape: [Int], payload: Payload)] = []
    public init() {}

    /// The caller keeps `ptr` alive until `write` returns.
    public mutating func add(_ name: String, shape: [Int], f32 ptr: UnsafePointer<Float>) { items.append((name, shape, .f32(ptr))) }
    public mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        precondition(floats.count == shape.reduce(1, *)); items.append((name, shape, .floats(floats)))
    }
    public mutating func add(_ name: String, shape: [Int], ints: [Int]) {
        precondition(ints.count == shape.reduce(1, *)); items.append((name, shape, .i64(ints.map { Int64($0) })))
    }

    private static func jsonString(_ s: String) -> String {
        let d = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        let a = String(decoding: d, as: UTF8.self)
        return String(a.dropFirst().dropLast())
    }

    public func write(to path: String, metadata: [String: String] = [:]) throws {
        var header = "{"
        var off = 0
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }.joined(separator: ",")
            parts.append("\"__metadata__\":{\(m)}")
        }
        for it in items {
            let bytes: Int
            switch it.payload { case .i64(let v): bytes = v.count * 8; default: bytes = it.shape.reduce(1, *) * 4 }
            let dtype: String
            if case .i64 = it.payload { dtype = "I64" } else { dtype = "F32" }
            parts.append("\(Self.jsonString(it.name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(it.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(off),\(off + bytes)]}")
            off += bytes
        }
        header += parts.joined(separator: ",") + "}"
        while (header.utf8.count + 8) % 8 != 0 { header += " " }   // pad so tensor data is 8-byte aligned

        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let fh = FileHandle(forWritingAtPath: tmp) else {
            throw NanoChatError(file: tmp, "cannot create file")
        }
        do {
            var len = UInt64(header.utf8.count).littleEndian
            try fh.write(contentsOf: Data(bytes: &len, count: 8))
            try fh.write(contentsOf: Data(header.utf8))
            for it in items {
                switch it.payload {
                case .f32(let p):
                    // write in 64 MiB slices to bound the temporary Data copies
                    let n = it.shape.reduce(1, *)
                    var i = 0
                    while i < n {
                        let m = min(16 << 20, n - i)
                        try fh.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: p + i), count: m * 4, deallocator: .none))
                        i += m
                    }
                case .floats(let v): try v.withUnsafeBytes { try fh.write(contentsOf: Data($0)) }
                case .i64(let v): try v.withUnsafeBytes { try fh.write(contentsOf: Data($0)) }
                }
            }
            try fh.synchronize()
            try fh.close()
        } catch {
            try? fh.close()
            throw NanoChatError(file: tmp, "write failed (\(error.localizedDescription))")
        }
        try atomicRename(tmp, path)
    }
}
