import Foundation

/// HumanEval (nanochat tasks/humaneval.py): the user message is the function's prompt (signature and
/// docstring), the reference reply the prompt plus the canonical body. A completion passes when the
/// prompt's imports + the reply's program + the tests + `check(entry_point)` run without error in the
/// sandbox. Read from `HumanEval.jsonl.gz` (or `.jsonl`): `task_id, prompt, canonical_solution, test, entry_point`.
public final class HumanEval: ChatTask {
    public let name = "humaneval"
    public struct Problem {
        public let taskId: String, prompt: String, solution: String, test: String, entryPoint: String, source: String
    }
    public let problems: [Problem]
    public var count: Int { problems.count }

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NanoChatError(file: path, Paths.exists(path) ? "cannot read file" : "no such file")
        }
        let bytes = path.hasSuffix(".gz") ? try Gunzip.decompress([UInt8](data), file: path) : [UInt8](data)
        var problems: [Problem] = []
        var lineNo = 0
        for line in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            lineNo += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let src = "\(path):\(lineNo)"
            guard let o = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw NanoChatError("\(src): malformed JSON line")
            }
            guard let prompt = o["prompt"] as? String, let solution = o["canonical_solution"] as? String,
                  let test = o["test"] as? String, let entry = o["entry_point"] as? String, !entry.isEmpty else {
                throw NanoChatError("\(src): needs string fields prompt, canonical_solution, test, entry_point")
            }
            problems.append(Problem(taskId: o["task_id"] as? String ?? "HumanEval/\(problems.count)", prompt: prompt,
                                    solution: solution, test: test, entryPoint: entry, source: src))
        }
        guard !problems.isEmpty else { throw NanoChatError(file: path, "no problems in this file") }
        self.problems = problems
    }

    public func conversation(at index: Int) throws -> Conversation {
        let p = problems[index]
        return Conversation(messages: [ChatMessage(.user, p.prompt), ChatMessage(.assistant, "\(p.prompt)\n\(p.solution)")],
                            source: p.source)
    }

    /// The program that judges `completion` for problem `index`.
    public func program(at index: Int, completion: String) -> String {
        let p = problems[index]
        return Self.extractImports(p.prompt) + "\n\n" + Self.extractProgram(completion) + "\n\n" + p.test + "\n" + "check(\(p.entryPoint))"
    }

    /// The import lines at the top of the prompt (comments and blank lines skipped, stop at other code).
    public static func extractImports(_ prompt: String) -> String {
        var imports: [String] = []
        for line in prompt.split(separator: "\n", omittingEmptySubsequences: false) {
            let s = line.trimmingCharacters(in: .whitespaces)
            if s.hasPrefix("import ") || s.hasPrefix("from ") {
                imports.append(s)
            } else if !s.isEmpty && !s.hasPrefix("#") {
                break
            }
        }
        return imports.joined(separator: "\n")
    }

    /// nanochat's `extract_program`: the first ```` ```python ```` / ```` ``` ```` block
    /// (`re.findall(r"```(?:python)?\s*\n(.*?)\n```", re.DOTALL)[0].strip()`), else the whole reply stripped.
    public static func extractProgram(_ completion: String) -> String {
        let s = Array(completion.unicodeScalars)
        func at(_ i: Int, _ lit: String) -> Bool {
            let l = Array(lit.unicodeScalars)
            return i + l.count <= s.count && Array(s[i..<(i + l.count)]) == l
        }
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}" }
        var i = 0
        while i < s.count {
            if at(i, "```") {
                // `(?:python)?` then `\s*\n`: the greedy \s* backtracks to the last newline of the whitespace run
                var candidates: [Int] = [i + 3]
                if at(i + 3, "python") { candidates.insert(i + 9, at: 0) }
                for c in candidates {
                    var e = c
                    while e < s.count && isSpace(s[e]) { e += 1 }
                    for nl in stride(from: e - 1, through: c, by: -1) where s[nl] == "\n" {
                        // lazy (.*?) up to the first "\n```" after this newline
                        var j = nl + 1
                        while j < s.count && !(s[j] == "\n" && at(j + 1, "```")) { j += 1 }
                        if j < s.count {
                            var body = ""
                            body.unicodeScalars.append(contentsOf: s[(nl + 1)..<j])
                            return body.trimmingCharacters(in: .whitespacesAndNewlines)
                        }
                    }
                }
            }
            i += 1
        }
        return completion.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
