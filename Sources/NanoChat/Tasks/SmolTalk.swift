/// SmolTalk-style rows (HuggingFaceTB/smol-smoltalk): each row has a `messages` list of {role, content},
/// optionally starting with a system message. Read from jsonl (`{"messages": [...]}` per line) or from
/// nanochat's parquet export (a `messages` list<struct<content, role>> column). Checked when opened.
public final class SmolTalk: ChatTask {
    public let name = "smoltalk"
    private let jsonl: JSONLFile?
    private let parquet: [Conversation]
    public var count: Int { jsonl?.count ?? parquet.count }

    public init(path: String) throws {
        if path.hasSuffix(".parquet") {
            jsonl = nil
            parquet = try ParquetMessages.read(path: path)
        } else {
            jsonl = try JSONLFile(path: path)
            parquet = []
        }
        for i in 0..<count { try CustomJSON.check(try conversation(at: i)) }
    }

    public func conversation(at index: Int) throws -> Conversation {
        guard let f = jsonl else { return parquet[index] }
        return try Conversation(json: try f.value(index), source: f.source(index))
    }
}
