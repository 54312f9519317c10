/// The str and list methods the calculator's string form answers, with CPython's semantics on the ASCII
/// text nanochat's whitelist lets through (`Objects/unicodeobject.c`, `Objects/listobject.c`). A call
/// carries at most one argument because nanochat strips commas; nil = Python raises (TypeError,
/// ValueError, AttributeError) or a method we do not support.
enum CalculatorMethods {
    typealias Value = Calculator.Value

    static func call(_ name: String, on receiver: Value, argument: Value?) -> Value? {
        switch receiver {
        case .string(let text): return stringMethod(name, text, argument)
        case .list(let items): return listMethod(name, items, argument)
        case .emptyTuple: return listMethod(name, [], argument)   // tuple.count / tuple.index behave alike
        default: return nil   // int/float/bool methods: not supported
        }
    }

    static func stringMethod(_ name: String, _ text: [UInt8], _ argument: Value?) -> Value? {
        var needle: [UInt8]? { if case .string(let n)? = argument { return n } else { return nil } }
        switch name {
        case "count": return needle.map { .int(BigInt(count($0, in: text))) }
        case "find", "rfind", "index", "rindex":
            guard let n = needle else { return nil }
            let at = name.hasPrefix("r") ? lastIndex(of: n, in: text) : firstIndex(of: n, in: text)
            if name.hasSuffix("index") && at == nil { return nil }   // ValueError: substring not found
            return .int(BigInt(at ?? -1))
        case "startswith": return needle.map { .bool(text.starts(with: $0)) }
        case "endswith": return needle.map { .bool(text.reversed().starts(with: $0.reversed())) }
        case "join":
            switch argument {
            case .string(let chars)?: return .string(join(chars.map { [$0] }, with: text))
            case .list(let items)?: return .string(join(items, with: text))
            default: return nil
            }
        case "strip", "lstrip", "rstrip", "split":
            let set: [UInt8]?
            switch argument {
            case nil: set = nil
            case .string(let s)?: set = s
            default: return nil   // TypeError: must be str or None
            }
            if name == "split" {
                guard let sep = set else { return .list(whitespaceSplit(text)) }
                return sep.isEmpty ? nil : .list(split(text, by: sep))   // ValueError: empty separator
            }
            let strip = set.map { chars in { (c: UInt8) in chars.contains(c) } } ?? isSpace
            var lo = 0, hi = text.count
            if name != "rstrip" { while lo < hi && strip(text[lo]) { lo += 1 } }
            if name != "lstrip" { while hi > lo && strip(text[hi - 1]) { hi -= 1 } }
            return .string(Array(text[lo..<hi]))
        default: break
        }
        guard argument == nil else { return nil }   // the rest take no argument: TypeError
        switch name {
        case "lower": return .string(text.map(lower))
        case "upper": return .string(text.map(upper))
        case "swapcase": return .string(text.map { isUpper($0) ? lower($0) : upper($0) })
        case "capitalize": return .string(text.enumerated().map { $0.offset == 0 ? upper($0.element) : lower($0.element) })
        case "title":   // a letter after a cased letter is lowered, any other letter raised
            var previousCased = false
            return .string(text.map { c in
                defer { previousCased = isLetter(c) }
                return previousCased ? lower(c) : upper(c)
            })
        case "isalpha": return .bool(!text.isEmpty && text.allSatisfy(isLetter))
        case "isdigit": return .bool(!text.isEmpty && text.allSatisfy(isDigit))
        case "isalnum": return .bool(!text.isEmpty && text.allSatisfy { isLetter($0) || isDigit($0) })
        case "isspace": return .bool(!text.isEmpty && text.allSatisfy(isSpace))
        case "isupper": return .bool(text.contains(where: isUpper) && !text.contains(where: isLower))
        case "islower": return .bool(text.contains(where: isLower) && !text.contains(where: isUpper))
        default: return nil
        }
    }

    static func listMethod(_ name: String, _ items: [[UInt8]], _ argument: Value?) -> Value? {
        guard let argument else { return nil }   // both take one argument
        // elements are strs, so only a str argument can be equal to one
        let matches: (([UInt8]) -> Bool) = { item in if case .string(let s) = argument { return s == item } else { return false } }
        switch name {
        case "count": return .int(BigInt(items.filter(matches).count))
        case "index": return items.firstIndex(where: matches).map { .int(BigInt($0)) }   // nil: ValueError
        default: return nil
        }
    }

    // MARK: - helpers (ASCII: the whitelist admits nothing else)

    static func isUpper(_ c: UInt8) -> Bool { c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") }
    static func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    static func isLetter(_ c: UInt8) -> Bool { isUpper(c) || isLower(c) }
    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    /// str.isspace on ASCII: \t \n \v \f \r, the separators 0x1c–0x1f and space.
    static func isSpace(_ c: UInt8) -> Bool { (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20) }
    static func lower(_ c: UInt8) -> UInt8 { isUpper(c) ? c + 32 : c }
    static func upper(_ c: UInt8) -> UInt8 { isLower(c) ? c - 32 : c }

    /// str.count: non-overlapping occurrences; the empty string occurs len+1 times.
    static func count(_ needle: [UInt8], in hay: [UInt8]) -> Int {
        if needle.isEmpty { return hay.count + 1 }
        var n = 0, j = 0
        while j + needle.count <= hay.count {
            if hay[j..<(j + needle.count)].elementsEqual(needle) { n += 1; j += needle.count } else { j += 1 }
        }
        return n
    }

    static func firstIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard needle.count <= hay.count else { return nil }
        return (0...(hay.count - needle.count)).first { hay[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    static func lastIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard needle.count <= hay.count else { return nil }
        return (0...(hay.count - needle.count)).reversed().first { hay[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    static func join(_ pieces: [[UInt8]], with separator: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (k, piece) in pieces.enumerated() { if k > 0 { out += separator }; out += piece }
        return out
    }

    /// str.split(): runs of whitespace separate, empty pieces dropped.
    static func whitespaceSplit(_ text: [UInt8]) -> [[UInt8]] {
        text.split(whereSeparator: isSpace).map(Array.init)
    }

    /// str.split(sep): every occurrence separates, empty pieces kept.
    static func split(_ text: [UInt8], by sep: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = [], start = 0, j = 0
        while j + sep.count <= text.count {
            if text[j..<(j + sep.count)].elementsEqual(sep) {
                out.append(Array(text[start..<j])); j += sep.count; start = j
            } else { j += 1 }
        }
        out.append(Array(text[start...]))
        return out
    }
}
