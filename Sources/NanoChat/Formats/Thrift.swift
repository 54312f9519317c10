import Foundation

/// Thrift compact protocol, just enough to decode parquet's footer and page headers into a generic
/// tree of fields; ParquetMetadata.swift picks the fields it needs by id.
enum ThriftValue {
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case structure(ThriftStruct)
    case map
}

struct ThriftStruct {
    var fields: [Int16: ThriftValue] = [:]

    func int(_ id: Int16) -> Int? { if case .int(let v)? = fields[id] { return Int(v) }; return nil }
    func bool(_ id: Int16) -> Bool? { if case .bool(let v)? = fields[id] { return v }; return nil }
    func string(_ id: Int16) -> String? { if case .binary(let b)? = fields[id] { return String(decoding: b, as: UTF8.self) }; return nil }
    func structure(_ id: Int16) -> ThriftStruct? { if case .structure(let s)? = fields[id] { return s }; return nil }
    func list(_ id: Int16) -> [ThriftValue] { if case .list(let l)? = fields[id] { return l }; return [] }
    func structs(_ id: Int16) -> [ThriftStruct] { list(id).compactMap { if case .structure(let s) = $0 { return s }; return nil } }
}

struct ThriftError: Error { let message: String }

/// Reads compact-protocol values from `bytes[pos..<end]`; every read is bounds-checked so corrupt input
/// becomes a ThriftError, never a crash or a huge allocation.
struct ThriftReader {
    let bytes: UnsafeRawBufferPointer
    var pos: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, pos: Int = 0, end: Int? = nil) {
        self.bytes = bytes; self.pos = pos; self.end = end ?? bytes.count
    }

    mutating func byte() throws -> UInt8 {
        guard pos < end else { throw ThriftError(message: "truncated thrift data") }
        defer { pos += 1 }
        return bytes[pos]
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw ThriftError(message: "varint too long") }
        }
    }

    mutating func zigzag() throws -> Int64 {
        let u = try varint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    mutating func readStruct(depth: Int = 0) throws -> ThriftStruct {
        guard depth < 32 else { throw ThriftError(message: "thrift nesting too deep") }
        var s = ThriftStruct()
        var last: Int16 = 0
        while true {
            let h = try byte()
            if h == 0 { return s }
            let type = h & 0x0f, delta = h >> 4
            let id: Int16 = delta != 0 ? last &+ Int16(delta) : Int16(truncatingIfNeeded: try zigzag())
            last = id
            s.fields[id] = try value(type: type, depth: depth)
        }
    }

    mutating func value(type: UInt8, depth: Int, inList: Bool = false) throws -> ThriftValue {
        switch type {
        case 1: return inList ? .bool(try byte() == 1) : .bool(true)
        case 2: return inList ? .bool(try byte() == 1) : .bool(false)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(try zigzag())
        case 7:
            guard end - pos >= 8 else { throw ThriftError(message: "truncated double") }
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
            pos += 8
            return .double(Double(bitPattern: bits))
        case 8:
            let n = try varint()
            guard n <= UInt64(end - pos) else { throw ThriftError(message: "binary field runs past the end") }
            let b = Array(bytes[pos..<(pos + Int(n))]); pos += Int(n)
            return .binary(b)
        case 9, 10:
            let h = try byte()
            var n = UInt64(h >> 4)
            if n == 15 { n = try varint() }
            guard n <= UInt64(end - pos) else { throw ThriftError(message: "list longer than the data") }
            var items: [ThriftValue] = []
            items.reserveCapacity(Int(n))
            for _ in 0..<Int(n) { items.append(try value(type: h & 0x0f, depth: depth + 1, inList: true)) }
            return .list(items)
        case 11:
            let n = try varint()
            guard n <= UInt64(end - pos) else { throw ThriftError(message: "map longer than the data") }
            if n > 0 {
                let kv = try byte()
                for _ in 0..<Int(n) {
                    _ = try value(type: kv >> 4, depth: depth + 1, inList: true)
                    _ = try value(type: kv & 0x0f, depth: depth + 1, inList: true)
                }
            }
            return .map
        case 12: return .structure(try readStruct(depth: depth + 1))
        default: throw ThriftError(message: "unknown thrift type \(type)")
        }
    }
}
