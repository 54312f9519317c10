/// Top-level string columns of a parquet file read whole (the HF exports of GSM8K are two string
/// columns); rows are named "file:row N" (1-based) in errors.
struct ParquetStrings {
    let path: String
    /// columns[c][row]
    let columns: [[String]]
    var count: Int { columns.first?.count ?? 0 }

    init(path: String, columns names: [String]) throws {
        guard Paths.exists(path) else { throw NanoChatError(file: path, "no such file") }
        self.path = path
        columns = try names.map { name in
            let pf = try ParquetFile(path: path, column: name)
            var out: [String] = []
            for g in 0..<pf.numRowGroups { out += try pf.readTexts(rowGroup: g).texts }
            return out
        }
    }

    func source(_ row: Int) -> String { "\(path):row \(row + 1)" }
}
