import Foundation

/// Typed, range-checked reads of a JSON request body; each failure is an HTTPError 400 naming the field.
/// Fields nobody reads are ignored (as OpenAI-compatible servers do: clients send `model`, `stream`, …).
struct JSONFields {
    let object: [String: Any]

    init(body: [UInt8]) throws {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) else { throw HTTPError(400, "body is not valid JSON") }
        guard let obj = root as? [String: Any] else { throw HTTPError(400, "body must be a JSON object") }
        object = obj
    }

    /// JSON true/false arrive as NSNumber too; tell them from numbers.
    static func isBool(_ n: NSNumber) -> Bool { let t = String(cString: n.objCType); return t == "c" || t == "B" }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }
    subscript(_ key: String) -> Any? { has(key) ? object[key] : nil }

    func number(_ key: String) throws -> Double? {
        guard let v = self[key] else { return nil }
        guard let n = v as? NSNumber, !JSONFields.isBool(n), n.doubleValue.isFinite else {
            throw HTTPError(400, "'\(key)' must be a number", param: key)
        }
        return n.doubleValue
    }

    func number(_ key: String, in range: ClosedRange<Double>, _ message: String) throws -> Double? {
        guard let v = try number(key) else { return nil }
        guard range.contains(v) else { throw HTTPError(400, message, param: key) }
        return v
    }

    func int(_ key: String, in range: ClosedRange<Int>, _ message: String) throws -> Int? {
        guard let v = try number(key) else { return nil }
        guard v == v.rounded(), let i = Int(exactly: v), range.contains(i) else { throw HTTPError(400, message, param: key) }
        return i
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = self[key] else { return nil }
        guard let n = v as? NSNumber, JSONFields.isBool(n) else { throw HTTPError(400, "'\(key)' must be true or false", param: key) }
        return n.boolValue
    }

    /// OpenAI's `stop`: a string or a list of at most 4 strings.
    func stops() throws -> [String] {
        guard let v = self["stop"] else { return [] }
        if let s = v as? String { return [s] }
        guard let list = v as? [Any], list.count <= 4, let strings = list as? [String] else {
            throw HTTPError(400, "'stop' must be a string or a list of at most 4 strings", param: "stop")
        }
        return strings
    }
}

/// Lengths as Python's len (code points), which nanochat's limits count.
extension String {
    var codePoints: Int { unicodeScalars.count }
}
