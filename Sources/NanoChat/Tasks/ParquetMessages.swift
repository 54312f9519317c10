/// The `messages` column of a SmolTalk parquet export (list<struct<content: string, role: string>>).
enum ParquetMessages {
    static func read(path: String) throws -> [Conversation] {
        throw NanoChatError(file: path, "reading a nested `messages` parquet column is not supported; convert it to jsonl ({\"messages\": [...]} per line)")
    }
}
