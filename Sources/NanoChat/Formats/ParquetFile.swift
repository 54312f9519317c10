import Foundation

/// A small parquet reader of our own: one BYTE_ARRAY (string) column, one row group at a time.
/// Supports data pages v1 and v2, PLAIN and dictionary (PLAIN_DICTIONARY / RLE_DICTIONARY) encodings,
/// optional columns (nulls read as ""), and ZSTD / SNAPPY / UNCOMPRESSED pages. Anything else, or a
/// corrupt/truncated file, is a one-line NanoChatError naming the file.
public final class ParquetFile {
    public let path: String
    private let fd: Int32
    private let fileSize: Int
    private let meta: ParquetFileMetadata
    private let column: Int
    private let leaf: ParquetLeaf

    public var numRowGroups: Int { meta.rowGroups.count }
    public var numRows: Int { meta.numRows }
    public func rowGroupRows(_ i: Int) -> Int { meta.rowGroups[i].numRows }

    public init(path: String, column name: String = "text") throws {
        self.path = path
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw NanoChatError(file: path, "cannot open parquet file (errno \(errno))") }
        var st = stat()
        fstat(fd, &st)
        fileSize = Int(st.st_size)
        do {
            guard fileSize >= 12 else { throw ThriftError(message: "file too small (\(fileSize) bytes)") }
            let tail = try Self.pread(fd, offset: fileSize - 8, count: 8)
            let head = try Self.pread(fd, offset: 0, count: 4)
            guard Array(tail[4..<8]) == Array("PAR1".utf8), head == Array("PAR1".utf8) else {
                throw ThriftError(message: "missing PAR1 magic (not a parquet file, or truncated)")
            }
            let footerLen = Int(tail[0]) | Int(tail[1]) << 8 | Int(tail[2]) << 16 | Int(tail[3]) << 24
            guard footerLen > 0, footerLen <= fileSize - 12 else { throw ThriftError(message: "bad footer length \(footerLen)") }
            let footer = try Self.pread(fd, offset: fileSize - 8 - footerLen, count: footerLen)
            meta = try footer.withUnsafeBytes { b in
                var r = ThriftReader(b)
                return try ParquetFileMetadata(r.readStruct())
            }
            guard let c = meta.leaves.firstIndex(where: { $0.path == [name] }) else {
                throw ThriftError(message: "no top-level column '\(name)' (columns: \(meta.leaves.map { $0.path.joined(separator: ".") }.joined(separator: ", ")))")
            }
            column = c; leaf = meta.leaves[c]
            guard leaf.physicalType == 6 else { throw ThriftError(message: "column '\(name)' is not a string/binary column") }
            guard leaf.maxRep == 0 else { throw ThriftError(message: "column '\(name)' is repeated (lists are not supported)") }
            for rg in meta.rowGroups where rg.columns.count != meta.leaves.count || rg.numRows < 0 {
                throw ThriftError(message: "row group has \(rg.columns.count) column chunks for \(meta.leaves.count) columns")
            }
        } catch let e as ThriftError {
            close(fd)
            throw NanoChatError(file: path, "corrupt or unsupported parquet file: \(e.message)")
        } catch {
            close(fd); throw error
        }
    }

    deinit { close(fd) }

    private static func pread(_ fd: Int32, offset: Int, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        try out.withUnsafeMutableBytes { b in
            while done < count {
                let n = Platform.pread(fd, b.baseAddress! + done, count - done, offset: offset + done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw ThriftError(message: "read failed at offset \(offset + done) (truncated file?)") }
                done += n
            }
        }
        return out
    }

    /// The string column of row group `i`: one String per row (null → ""), and how many values were
    /// not valid UTF-8 (decoded with U+FFFD replacement, like Python's errors="replace").
    public func readTexts(rowGroup i: Int) throws -> (texts: [String], invalidUTF8: Int) {
        guard i >= 0, i < meta.rowGroups.count else {
            throw NanoChatError(file: path, "row group \(i) out of range (file has \(meta.rowGroups.count))")
        }
        do {
            return try readChunk(meta.rowGroups[i].columns[column], rows: meta.rowGroups[i].numRows)
        } catch let e as ThriftError {
            throw NanoChatError(file: path, "corrupt or unsupported parquet file (row group \(i)): \(e.message)")
        }
    }

    private func readChunk(_ cc: ParquetColumnChunk, rows: Int) throws -> (texts: [String], invalidUTF8: Int) {
        var start = cc.dataPageOffset
        if let d = cc.dictionaryPageOffset, d > 0, d < start { start = d }
        guard start >= 4, cc.totalCompressedSize >= 0, start + cc.totalCompressedSize <= fileSize - 8 else {
            throw ThriftError(message: "column chunk [\(start), +\(cc.totalCompressedSize)) outside the file")
        }
        guard cc.numValues == rows else { throw ThriftError(message: "column chunk has \(cc.numValues) values for \(rows) rows") }
        let buf = try Self.pread(fd, offset: start, count: cc.totalCompressedSize)
        var texts: [String] = []
        texts.reserveCapacity(min(rows, 1 << 20))   // counts come from the file: never trust them for allocation
        var invalid = 0
        var dict: [String]? = nil
        var dictInvalid: [Bool] = []
        let bitWidth = leaf.maxDef == 0 ? 0 : (Int.bitWidth - leaf.maxDef.leadingZeroBitCount)
        try buf.withUnsafeBytes { all in
            var pos = 0
            while texts.count < cc.numValues {
                guard pos < all.count else { throw ThriftError(message: "column chunk ends after \(texts.count) of \(cc.numValues) values") }
                var r = ThriftReader(all, pos: pos)
                let h = try ParquetPageHeader(r.readStruct())
                pos = r.pos
                guard h.compressedSize <= all.count - pos else { throw ThriftError(message: "page runs past the column chunk") }
                guard h.uncompressedSize <= 1 << 31 else { throw ThriftError(message: "page claims \(h.uncompressedSize) uncompressed bytes") }
                let payload = UnsafeRawBufferPointer(rebasing: all[pos..<(pos + h.compressedSize)])
                pos += h.compressedSize
                switch h.type {
                case ParquetPageHeader.dictionaryPage:
                    let data = try ParquetCodecs.decompress(codec: cc.codec, payload, size: h.uncompressedSize)
                    var d: [String] = [], bad: [Bool] = []
                    try data.withUnsafeBytes { p in
                        var off = 0
                        try Self.decodePlain(p, &off, count: h.numValues) { s, ok in d.append(s); bad.append(!ok) }
                    }
                    dict = d; dictInvalid = bad
                case ParquetPageHeader.dataPage, ParquetPageHeader.dataPageV2:
                    guard h.numValues <= cc.numValues - texts.count else { throw ThriftError(message: "page has more values than the column chunk") }
                    var defs: [Int32] = []
                    var valuesData: [UInt8]
                    var valuesStart = 0
                    if h.type == ParquetPageHeader.dataPage {
                        valuesData = try ParquetCodecs.decompress(codec: cc.codec, payload, size: h.uncompressedSize)
                        if leaf.maxDef > 0 {
                            try valuesData.withUnsafeBytes { p in
                                guard p.count >= 4 else { throw ThriftError(message: "truncated definition levels") }
                                let len = Int(p[0]) | Int(p[1]) << 8 | Int(p[2]) << 16 | Int(p[3]) << 24
                                guard len <= p.count - 4 else { throw ThriftError(message: "definition levels run past the page") }
                                defs = try Self.decodeHybrid(UnsafeRawBufferPointer(rebasing: p[4..<(4 + len)]), bitWidth: bitWidth, count: h.numValues)
                                valuesStart = 4 + len
                            }
                        }
                    } else {
                        let lv = h.repLevelsLength + h.defLevelsLength
                        guard lv <= payload.count, lv <= h.uncompressedSize else { throw ThriftError(message: "v2 levels longer than the page") }
                        if leaf.maxDef > 0 {
                            defs = try Self.decodeHybrid(UnsafeRawBufferPointer(rebasing: payload[h.repLevelsLength..<lv]),
                                                         bitWidth: bitWidth, count: h.numValues)
                        }
                        let rest = UnsafeRawBufferPointer(rebasing: payload[lv...])
                        valuesData = h.isCompressed
                            ? try ParquetCodecs.decompress(codec: cc.codec, rest, size: h.uncompressedSize - lv)
                            : Array(rest)
                    }
                    let nonNull = leaf.maxDef == 0 ? h.numValues : defs.reduce(0) { $0 + ($1 == Int32(leaf.maxDef) ? 1 : 0) }
                    var vals: [String] = []
                    vals.reserveCapacity(min(nonNull, 1 << 20))
                    try valuesData.withUnsafeBytes { p in
                        let v = UnsafeRawBufferPointer(rebasing: p[valuesStart...])
                        switch h.encoding {
                        case ParquetEncoding.plain:
                            var off = 0
                            try Self.decodePlain(v, &off, count: nonNull) { s, ok in vals.append(s); if !ok { invalid += 1 } }
                        case ParquetEncoding.plainDictionary, ParquetEncoding.rleDictionary:
                            guard let dict else { throw ThriftError(message: "dictionary-encoded page without a dictionary page") }
                            guard v.count >= 1 || nonNull == 0 else { throw ThriftError(message: "truncated dictionary indices") }
                            if nonNull == 0 { break }
                            let w = Int(v[0])
                            guard w <= 32 else { throw ThriftError(message: "bad dictionary index bit width \(w)") }
                            let idx = try Self.decodeHybrid(UnsafeRawBufferPointer(rebasing: v[1...]), bitWidth: w, count: nonNull)
                            for k in idx {
                                guard k >= 0, Int(k) < dict.count else { throw ThriftError(message: "dictionary index \(k) out of range") }
                                vals.append(dict[Int(k)]); if dictInvalid[Int(k)] { invalid += 1 }
                            }
                        default:
                            throw ThriftError(message: "unsupported value encoding \(h.encoding) (supported: PLAIN, dictionary)")
                        }
                    }
                    if leaf.maxDef == 0 {
                        texts.append(contentsOf: vals)
                    } else {
                        var k = 0
                        for d in defs {
                            if d == Int32(leaf.maxDef) { texts.append(vals[k]); k += 1 } else { texts.append("") }
                        }
                    }
                default:
                    break   // index pages: nothing to read
                }
            }
        }
        guard texts.count == rows else { throw ThriftError(message: "column has \(texts.count) values for \(rows) rows") }
        return (texts, invalid)
    }

    /// PLAIN BYTE_ARRAY: 4-byte little-endian length, then the bytes.
    private static func decodePlain(_ p: UnsafeRawBufferPointer, _ off: inout Int, count: Int,
                                    _ emit: (String, Bool) -> Void) throws {
        for _ in 0..<count {
            guard off + 4 <= p.count else { throw ThriftError(message: "truncated string length") }
            let len = Int(p[off]) | Int(p[off + 1]) << 8 | Int(p[off + 2]) << 16 | Int(p[off + 3]) << 24
            off += 4
            guard len <= p.count - off else { throw ThriftError(message: "string runs past the page") }
            let bytes = UnsafeRawBufferPointer(rebasing: p[off..<(off + len)]).bindMemory(to: UInt8.self)
            off += len
            if let s = String(validating: bytes, as: UTF8.self) { emit(s, true) }
            else { emit(String(decoding: bytes, as: UTF8.self), false) }
        }
    }

    /// Parquet's RLE / bit-packed hybrid encoding (levels and dictionary indices), `count` values.
    static func decodeHybrid(_ p: UnsafeRawBufferPointer, bitWidth: Int, count: Int) throws -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(min(count, 1 << 20))
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
