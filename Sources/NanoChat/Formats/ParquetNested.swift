import Foundation

/// Whole-file column reads by name, flat or nested one list level deep: what the HF exports of nanochat's
/// SFT tasks hold (GSM8K `question`/`answer`, MMLU `choices: list<string>` and `answer: int64`, SmolTalk
/// `messages: list<struct<role, content>>`). A list is rebuilt from its levels (parquet-format's Dremel
/// encoding): repetition level 0 starts a row, definition level >= listDef is an element (null → empty).
extension ParquetFile {
    /// A top-level string column, every row group in order (null → "").
    public func strings(_ name: String) throws -> [String] {
        let c = try leaf(name, type: ParquetLeaf.byteArray)
        return try rowGroups { g in
            let data = try readColumn(c, rowGroup: g)
            guard case .strings(let v) = data.values else { return [] }
            return try wrap(g) { try Self.flat(v, data, leaf: meta.leaves[c], empty: "") }
        }
    }

    /// A top-level integer column (INT32 or INT64; null → 0).
    public func ints(_ name: String) throws -> [Int64] {
        let c = try leaf(name, type: nil)
        guard [ParquetLeaf.int32, ParquetLeaf.int64].contains(meta.leaves[c].physicalType) else {
            throw NanoChatError(file: path, "column '\(name)' is not an integer column")
        }
        return try rowGroups { g in
            let data = try readColumn(c, rowGroup: g)
            guard case .ints(let v) = data.values else { return [] }
            return try wrap(g) { try Self.flat(v, data, leaf: meta.leaves[c], empty: 0) }
        }
    }

    /// A `list<string>` column: one array per row (a null list is [], a null element "").
    public func stringLists(_ name: String) throws -> [[String]] {
        let c = try leaf(name, type: ParquetLeaf.byteArray, list: true)
        return try rowGroups { g in try listColumn(c, rowGroup: g) }
    }

    /// A `list<struct<...>>` column: per row, per element, the string value of each of `fields`
    /// (rows[r][e][f]); the fields' leaves must agree on the list lengths.
    public func structLists(_ name: String, fields: [String]) throws -> [[[String]]] {
        let cols = try fields.map { try leaf(name, field: $0, type: ParquetLeaf.byteArray, list: true) }
        return try rowGroups { g in
            let perField = try cols.map { try listColumn($0, rowGroup: g) }
            guard let first = perField.first else { return [] }
            return try wrap(g) {
                try first.indices.map { r in
                    let n = first[r].count
                    guard perField.allSatisfy({ $0.count == first.count && $0[r].count == n }) else {
                        throw ThriftError(message: "fields of '\(name)' disagree on the list length of row \(r)")
                    }
                    return (0..<n).map { e in perField.map { $0[r][e] } }
                }
            }
        }
    }

    // MARK: - helpers

    private func rowGroups<T>(_ body: (Int) throws -> [T]) throws -> [T] {
        var out: [T] = []
        for g in 0..<numRowGroups {
            let part = try body(g)
            guard part.count == rowGroupRows(g) else {
                throw NanoChatError(file: path, "corrupt parquet file (row group \(g)): \(part.count) rows decoded, footer says \(rowGroupRows(g))")
            }
            out += part
        }
        return out
    }

    private func listColumn(_ c: Int, rowGroup g: Int) throws -> [[String]] {
        let data = try readColumn(c, rowGroup: g)
        guard case .strings(let v) = data.values else { return [] }
        return try wrap(g) { try Self.lists(v, data, leaf: meta.leaves[c], empty: "") }
    }

    /// The leaf named `name` (top level), or the leaf under `name` ending in `field`; `list` says whether
    /// it must be inside one list level.
    private func leaf(_ name: String, field: String? = nil, type: Int?, list: Bool = false) throws -> Int {
        let matches = meta.leaves.indices.filter { i in
            let p = meta.leaves[i].path
            guard p.first == name else { return false }
            if let field { return p.count > 1 && p.last == field }
            return list ? p.count > 1 : p.count == 1
        }
        let what = field.map { "\(name).…\($0)" } ?? name
        guard matches.count == 1, let c = matches.first else {
            throw NanoChatError(file: path, "no \(list ? "list " : "")column '\(what)' (columns: \(columnPaths.joined(separator: ", ")))")
        }
        let l = meta.leaves[c]
        if let type, l.physicalType != type {
            throw NanoChatError(file: path, "column '\(l.dotted)' has physical type \(l.physicalType), expected \(type == ParquetLeaf.byteArray ? "BYTE_ARRAY (string)" : "\(type)")")
        }
        guard l.maxRep == (list ? 1 : 0) else {
            throw NanoChatError(file: path, "column '\(l.dotted)' is nested \(l.maxRep) list levels deep, expected \(list ? 1 : 0)")
        }
        return c
    }

    /// Rows of a one-level list column from its values and levels.
    static func lists<T>(_ vals: [T], _ data: ParquetColumnData, leaf: ParquetLeaf, empty: T) throws -> [[T]] {
        guard data.reps.count == data.levelCount, data.defs.count == data.levelCount else {
            throw ThriftError(message: "column '\(leaf.dotted)' has \(data.reps.count) repetition and \(data.defs.count) definition levels for \(data.levelCount) values")
        }
        var rows: [[T]] = []
        var k = 0
        let maxDef = Int32(leaf.maxDef), listDef = Int32(leaf.listDef)
        for i in 0..<data.levelCount {
            let r = data.reps[i], d = data.defs[i]
            if r == 0 { rows.append([]) } else if rows.isEmpty || r != 1 {
                throw ThriftError(message: "column '\(leaf.dotted)': bad repetition level \(r) at value \(i)")
            }
            guard d >= listDef else { continue }         // empty or null list
            if d == maxDef {
                guard k < vals.count else { throw ThriftError(message: "fewer values than definition levels say") }
                rows[rows.count - 1].append(vals[k]); k += 1
            } else {
                rows[rows.count - 1].append(empty)      // null element
            }
        }
        guard k == vals.count else { throw ThriftError(message: "column '\(leaf.dotted)': \(vals.count - k) values left over") }
        return rows
    }
}
