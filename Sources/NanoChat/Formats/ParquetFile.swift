import Foundation

/// A small parquet reader of our own: string (BYTE_ARRAY) and integer (INT32/INT64) columns, flat or inside
/// one list level (`list<string>`, `list<struct<...>>`; ParquetNested.swift), one row group at a time.
/// Supports data pages v1 and v2, PLAIN and dictionary (PLAIN_DICTIONARY / RLE_DICTIONARY) encodings,
/// optional columns (nulls read as "" / 0), and ZSTD / SNAPPY / UNCOMPRESSED pages. Anything else, or a
/// corrupt/truncated file, is a one-line NanoChatError naming the file.
public final class ParquetFile {
    public let path: String
    private let fd: Int32
    private let fileSize: Int
    let meta: ParquetFileMetadata
    /// The column `readTexts` reads (the pretraining shards' `text`), if one was selected.
    private let column: Int?
    private var leaf: ParquetLeaf? { column.map { meta.leaves[$0] } }

    public var numRowGroups: Int { meta.rowGroups.count }
    public var numRows: Int { meta.numRows }
    public func rowGroupRows(_ i: Int) -> Int { meta.rowGroups[i].numRows }
    /// Dotted paths of the leaf columns ("text", "choices.list.element", "messages.list.element.role").
    public var columnPaths: [String] { meta.leaves.map(\.dotted) }

    /// Opens a pretraining shard: its top-level string column `text`.
    public convenience init(path: String) throws { try self.init(path: path, column: "text") }

    /// Opens `path`; `column` (a top-level string column) is checked and selected for `readTexts`.
    public init(path: String, column name: String?) throws {
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
            for rg in meta.rowGroups where rg.columns.count != meta.leaves.count || rg.numRows < 0 {
                throw ThriftError(message: "row group has \(rg.columns.count) column chunks for \(meta.leaves.count) columns")
            }
            if let name {
                guard let c = meta.leaves.firstIndex(where: { $0.path == [name] }) else {
                    throw ThriftError(message: "no top-level column '\(name)' (columns: \(meta.leaves.map(\.dotted).joined(separator: ", ")))")
                }
                let l = meta.leaves[c]
                guard l.physicalType == ParquetLeaf.byteArray else { throw ThriftError(message: "column '\(name)' is not a string/binary column") }
                guard l.maxRep == 0 else { throw ThriftError(message: "column '\(name)' is repeated (a list)") }
                column = c
            } else {
                column = nil
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
        guard let column else { throw NanoChatError(file: path, "no column selected") }
        let data = try readColumn(column, rowGroup: i)
        guard case .strings(let vals) = data.values else { throw NanoChatError(file: path, "column '\(leaf!.dotted)' is not a string column") }
        return (try wrap(i) { try Self.flat(vals, data, leaf: self.leaf!, empty: "") }, data.invalidUTF8)
    }

    /// Leaf `c` of row group `i` decoded (values and levels).
    func readColumn(_ c: Int, rowGroup i: Int) throws -> ParquetColumnData {
        guard i >= 0, i < meta.rowGroups.count else {
            throw NanoChatError(file: path, "row group \(i) out of range (file has \(meta.rowGroups.count))")
        }
        return try wrap(i) {
            let cc = meta.rowGroups[i].columns[c], leaf = meta.leaves[c]
            var start = cc.dataPageOffset
            if let d = cc.dictionaryPageOffset, d > 0, d < start { start = d }
            guard start >= 4, cc.totalCompressedSize >= 0, start + cc.totalCompressedSize <= fileSize - 8 else {
                throw ThriftError(message: "column chunk [\(start), +\(cc.totalCompressedSize)) outside the file")
            }
            if leaf.maxRep == 0 && cc.numValues != meta.rowGroups[i].numRows {
                throw ThriftError(message: "column chunk has \(cc.numValues) values for \(meta.rowGroups[i].numRows) rows")
            }
            let buf = try Self.pread(fd, offset: start, count: cc.totalCompressedSize)
            return try buf.withUnsafeBytes { try ParquetPages.readChunk($0, leaf: leaf, codec: cc.codec, levelCount: cc.numValues) }
        }
    }

    /// ThriftErrors of row group `i` become one line naming the file.
    func wrap<T>(_ i: Int, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ThriftError {
            throw NanoChatError(file: path, "corrupt or unsupported parquet file (row group \(i)): \(e.message)")
        }
    }

    /// One value per row of a non-repeated column (null → `empty`), checked against the level count.
    static func flat<T>(_ vals: [T], _ data: ParquetColumnData, leaf: ParquetLeaf, empty: T) throws -> [T] {
        guard leaf.maxRep == 0 else { throw ThriftError(message: "column '\(leaf.dotted)' is a list") }
        if leaf.maxDef == 0 {
            guard vals.count == data.levelCount else { throw ThriftError(message: "column has \(vals.count) values for \(data.levelCount) rows") }
            return vals
        }
        var out: [T] = []
        out.reserveCapacity(data.defs.count)
        var k = 0
        let maxDef = Int32(leaf.maxDef)
        for d in data.defs {
            if d == maxDef {
                guard k < vals.count else { throw ThriftError(message: "fewer values than definition levels say") }
                out.append(vals[k]); k += 1
            } else { out.append(empty) }
        }
        return out
    }

}
