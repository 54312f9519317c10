import Foundation

/// The non-null values of one leaf column chunk, in order (strings for BYTE_ARRAY, integers for INT32/INT64).
enum ParquetValues {
    case strings([String])
    case ints([Int64])

    var count: Int {
        switch self {
        case .strings(let s): return s.count
        case .ints(let v): return v.count
        }
    }
}

/// One leaf column of one row group, decoded: values plus the level streams that place them in rows.
/// `defs` is empty when the column is required (maxDef 0), `reps` when it is not inside a list (maxRep 0);
/// `levelCount` entries otherwise (one per value, null or empty list).
struct ParquetColumnData {
    var values: ParquetValues
    var defs: [Int32]
    var reps: [Int32]
    var levelCount: Int
    /// Strings that were not valid UTF-8 (decoded with U+FFFD, like Python's errors="replace").
    var invalidUTF8: Int
}

/// Decodes the pages of a column chunk: dictionary page, data pages v1 and v2, PLAIN and dictionary
/// encodings, RLE/bit-packed levels (parquet-format Encodings.md).
enum ParquetPages {
    /// Growing value storage of one physical type.
    private struct Sink {
        let type: Int
        var strings: [String] = []
        var ints: [Int64] = []
        var invalid: [Bool] = []       // dictionary entries only: which were not valid UTF-8
        var count: Int { type == ParquetLeaf.byteArray ? strings.count : ints.count }

        /// PLAIN values: BYTE_ARRAY = 4-byte little-endian length + bytes, INT32/INT64 = little-endian.
        mutating func appendPlain(_ p: UnsafeRawBufferPointer, count: Int, invalidUTF8: inout Int, track: Bool) throws {
            var off = 0
            switch type {
            case ParquetLeaf.byteArray:
                for _ in 0..<count {
                    guard off + 4 <= p.count else { throw ThriftError(message: "truncated string length") }
                    let len = Int(p[off]) | Int(p[off + 1]) << 8 | Int(p[off + 2]) << 16 | Int(p[off + 3]) << 24
                    off += 4
                    guard len <= p.count - off else { throw ThriftError(message: "string runs past the page") }
                    let bytes = UnsafeRawBufferPointer(rebasing: p[off..<(off + len)]).bindMemory(to: UInt8.self)
                    off += len
                    if let s = String(validating: bytes, as: UTF8.self) {
                        strings.append(s); if track { invalid.append(false) }
                    } else {
                        strings.append(String(decoding: bytes, as: UTF8.self)); invalidUTF8 += 1
                        if track { invalid.append(true) }
                    }
                }
            case ParquetLeaf.int32, ParquetLeaf.int64:
                let width = type == ParquetLeaf.int32 ? 4 : 8
                guard count <= p.count / width else { throw ThriftError(message: "integer values run past the page") }
                for i in 0..<count {
                    var v: UInt64 = 0
                    for b in 0..<width { v |= UInt64(p[i * width + b]) << (8 * UInt64(b)) }
                    ints.append(width == 4 ? Int64(Int32(truncatingIfNeeded: v)) : Int64(bitPattern: v))
                }
            default:
                throw ThriftError(message: "unsupported physical type \(type) (supported: BYTE_ARRAY, INT32, INT64)")
            }
        }
    }

    /// Reads a whole column chunk held in `all` (its bytes, dictionary page first if any).
    static func readChunk(_ all: UnsafeRawBufferPointer, leaf: ParquetLeaf, codec: Int, levelCount total: Int) throws -> ParquetColumnData {
        var values = Sink(type: leaf.physicalType)
        var dict: Sink? = nil
        var defs: [Int32] = [], reps: [Int32] = []
        var levels = 0, invalid = 0
        let defWidth = bitWidth(leaf.maxDef), repWidth = bitWidth(leaf.maxRep)
        var pos = 0
        while levels < total {
            guard pos < all.count else { throw ThriftError(message: "column chunk ends after \(levels) of \(total) values") }
            var r = ThriftReader(all, pos: pos)
            let h = try ParquetPageHeader(r.readStruct())
            pos = r.pos
            guard h.compressedSize <= all.count - pos else { throw ThriftError(message: "page runs past the column chunk") }
            guard h.uncompressedSize <= 1 << 31 else { throw ThriftError(message: "page claims \(h.uncompressedSize) uncompressed bytes") }
            let payload = UnsafeRawBufferPointer(rebasing: all[pos..<(pos + h.compressedSize)])
            pos += h.compressedSize
            switch h.type {
            case ParquetPageHeader.dictionaryPage:
                let data = try ParquetCodecs.decompress(codec: codec, payload, size: h.uncompressedSize)
                var d = Sink(type: leaf.physicalType), ignored = 0
                try data.withUnsafeBytes { try d.appendPlain($0, count: h.numValues, invalidUTF8: &ignored, track: true) }
                dict = d
            case ParquetPageHeader.dataPage, ParquetPageHeader.dataPageV2:
                guard h.numValues <= total - levels else { throw ThriftError(message: "page has more values than the column chunk") }
                var pageDefs: [Int32] = [], pageReps: [Int32] = []
                let valuesData: [UInt8]
                var valuesStart = 0
                if h.type == ParquetPageHeader.dataPage {
                    guard !h.levelEncodings.contains(ParquetEncoding.bitPacked) else {
                        throw ThriftError(message: "deprecated BIT_PACKED levels are not supported")
                    }
                    valuesData = try ParquetCodecs.decompress(codec: codec, payload, size: h.uncompressedSize)
                    // v1: [rep levels][def levels][values], each level run prefixed by its 4-byte length
                    try valuesData.withUnsafeBytes { p in
                        if leaf.maxRep > 0 {
                            pageReps = try lengthPrefixedLevels(p, &valuesStart, bitWidth: repWidth, count: h.numValues)
                        }
                        if leaf.maxDef > 0 {
                            pageDefs = try lengthPrefixedLevels(p, &valuesStart, bitWidth: defWidth, count: h.numValues)
                        }
                    }
                } else {
                    // v2: levels are never compressed and their lengths are in the header
                    let lv = h.repLevelsLength + h.defLevelsLength
                    guard lv <= payload.count, lv <= h.uncompressedSize else { throw ThriftError(message: "v2 levels longer than the page") }
                    if leaf.maxRep > 0 {
                        pageReps = try decodeHybrid(UnsafeRawBufferPointer(rebasing: payload[0..<h.repLevelsLength]),
                                                    bitWidth: repWidth, count: h.numValues)
                    }
                    if leaf.maxDef > 0 {
                        pageDefs = try decodeHybrid(UnsafeRawBufferPointer(rebasing: payload[h.repLevelsLength..<lv]),
                                                    bitWidth: defWidth, count: h.numValues)
                    }
                    let rest = UnsafeRawBufferPointer(rebasing: payload[lv...])
                    valuesData = h.isCompressed
                        ? try ParquetCodecs.decompress(codec: codec, rest, size: h.uncompressedSize - lv)
                        : Array(rest)
                }
                let maxDef = Int32(leaf.maxDef)
                let nonNull = leaf.maxDef == 0 ? h.numValues : pageDefs.reduce(0) { $0 + ($1 == maxDef ? 1 : 0) }
                try valuesData.withUnsafeBytes { p in
                    let v = UnsafeRawBufferPointer(rebasing: p[valuesStart...])
                    switch h.encoding {
                    case ParquetEncoding.plain:
                        try values.appendPlain(v, count: nonNull, invalidUTF8: &invalid, track: false)
                    case ParquetEncoding.plainDictionary, ParquetEncoding.rleDictionary:
                        if nonNull == 0 { break }
                        guard let dict else { throw ThriftError(message: "dictionary-encoded page without a dictionary page") }
                        guard v.count >= 1 else { throw ThriftError(message: "truncated dictionary indices") }
                        let w = Int(v[0])
                        guard w <= 32 else { throw ThriftError(message: "bad dictionary index bit width \(w)") }
                        let idx = try decodeHybrid(UnsafeRawBufferPointer(rebasing: v[1...]), bitWidth: w, count: nonNull)
                        let n = dict.count
                        for k in idx {
                            guard k >= 0, Int(k) < n else { throw ThriftError(message: "dictionary index \(k) out of range") }
                            if leaf.physicalType == ParquetLeaf.byteArray {
                                values.strings.append(dict.strings[Int(k)]); if dict.invalid[Int(k)] { invalid += 1 }
                            } else {
                                values.ints.append(dict.ints[Int(k)])
                            }
                        }
                    default:
                        throw ThriftError(message: "unsupported value encoding \(h.encoding) (supported: PLAIN, dictionary)")
                    }
                }
                defs += pageDefs; reps += pageReps
                levels += h.numValues
            default:
                break   // index pages: nothing to read
            }
        }
        let out: ParquetValues = leaf.physicalType == ParquetLeaf.byteArray ? .strings(values.strings) : .ints(values.ints)
        return ParquetColumnData(values: out, defs: defs, reps: reps, levelCount: levels, invalidUTF8: invalid)
    }

    /// Bits needed for levels 0...maxLevel.
    static func bitWidth(_ maxLevel: Int) -> Int { maxLevel == 0 ? 0 : Int.bitWidth - maxLevel.leadingZeroBitCount }

    /// A v1 level run: 4-byte little-endian length, then RLE/bit-packed hybrid data; advances `pos`.
    private static func lengthPrefixedLevels(_ p: UnsafeRawBufferPointer, _ pos: inout Int, bitWidth: Int, count: Int) throws -> [Int32] {
        guard p.count - pos >= 4 else { throw ThriftError(message: "truncated levels") }
        let len = Int(p[pos]) | Int(p[pos + 1]) << 8 | Int(p[pos + 2]) << 16 | Int(p[pos + 3]) << 24
        guard len <= p.count - pos - 4 else { throw ThriftError(message: "levels run past the page") }
        let out = try decodeHybrid(UnsafeRawBufferPointer(rebasing: p[(pos + 4)..<(pos + 4 + len)]), bitWidth: bitWidth, count: count)
        pos += 4 + len
        return out
    }

    /// Parquet's RLE / bit-packed hybrid encoding (levels and dictionary indices), `count` values.
    static func decodeHybrid(_ p: UnsafeRawBufferPointer, bitWidth: Int, count: Int) throws -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(min(count, 1 << 20))   // counts come from the file: never trust them for allocation
        var pos = 0
        let byteWidth = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth >= 64 ? ~0 : (1 << UInt64(bitWidth)) - 1
        while out.count < count {
            var header: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard pos < p.count, shift < 64 else { throw ThriftError(message: "truncated RLE/bit-packed data") }
                let b = p[pos]; pos += 1
                header |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { break }
                shift += 7
            }
            if header & 1 == 0 {
                let run = Int(header >> 1)
                guard pos + byteWidth <= p.count else { throw ThriftError(message: "truncated RLE run") }
                var v: UInt64 = 0
                for i in 0..<byteWidth { v |= UInt64(p[pos + i]) << (8 * UInt64(i)) }
                pos += byteWidth
                for _ in 0..<min(run, count - out.count) { out.append(Int32(truncatingIfNeeded: v)) }
            } else {
                let groups = Int(header >> 1)
                let nBytes = groups * bitWidth
                guard nBytes <= p.count - pos else { throw ThriftError(message: "truncated bit-packed run") }
                var bitPos = 0
                for _ in 0..<min(groups * 8, count - out.count) {
                    var v: UInt64 = 0
                    for b in 0..<bitWidth {
                        let bit = bitPos + b
                        v |= UInt64((p[pos + (bit >> 3)] >> UInt8(bit & 7)) & 1) << UInt64(b)
                    }
                    bitPos += bitWidth
                    out.append(Int32(truncatingIfNeeded: v & mask))
                }
                pos += nBytes
            }
        }
        return out
    }
}
