import Foundation

/// RFC 4180 CSV, the one reader: quoted fields with "" escapes and embedded newlines, CRLF or LF, a UTF-8 BOM
/// skipped, blank lines skipped, each record with the line it starts on (for errors naming file:line). Reads
/// CORE's `eval_meta_data.csv` (Python's `csv.DictReader`) and MMLU's CSV files.
public enum CSV {
    /// The records of a file.
    public static func records(file path: String) throws -> [(line: Int, fields: [String])] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NanoChatError(file: path, Paths.exists(path) ? "cannot read file" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw NanoChatError(file: path, "not UTF-8 text") }
        return try records(text, file: path)
    }

    /// The rows of CSV text (`file` names it in errors).
    public static func rows(_ text: String, file: String = "CSV text") throws -> [[String]] {
        try records(text, file: file).map(\.fields)
    }

    /// `csv.DictReader`: header row → one dictionary per following row.
    public static func dictRows(file path: String) throws -> [[String: String]] {
        let r = try records(file: path).map(\.fields)
        guard let header = r.first else { return [] }
        return r.dropFirst().map { row in
            var d: [String: String] = [:]
            for (i, h) in header.enumerated() where i < row.count { d[h] = row[i] }
            return d
        }
    }

    static func records(_ source: String, file path: String) throws -> [(line: Int, fields: [String])] {
        var text = source
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var out: [(Int, [String])] = []
        var row: [String] = [], field = "", inQuotes = false, atFieldStart = true
        var line = 1, rowLine = 1
        var it = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRow() {
            row.append(field)
            if !(row.count == 1 && row[0].isEmpty) { out.append((rowLine, row)) }
            row = []; field = ""; atFieldStart = true
        }
        while let c = pending ?? it.next() {
            pending = nil
            if c == "\n" { line += 1 }
            if inQuotes {
                if c == "\"" {
                    let n = it.next()
                    if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"" where atFieldStart: inQuotes = true; atFieldStart = false
            case ",": row.append(field); field = ""; atFieldStart = true
            case "\r": continue
            case "\n": endRow(); rowLine = line
            default: field.unicodeScalars.append(c); atFieldStart = false
            }
        }
        if inQuotes { throw NanoChatError("\(path):\(rowLine): unterminated quoted field") }
        if !field.isEmpty || !row.isEmpty { endRow() }
        return out
    }
}
