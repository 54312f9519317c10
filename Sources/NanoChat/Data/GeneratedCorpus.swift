import Foundation

/// The offline default: a deterministic synthetic corpus (templated short stories, arithmetic, counting,
/// simple facts and Q&A) written as `.txt` shards with `<|endoftext|>` separators, used when no real
/// shards are present and none can be downloaded. It is announced as generated data wherever it is used.
public enum GeneratedCorpus {
    /// Marker file in a data directory that holds the generated corpus (not a shard name).
    public static let marker = "GENERATED_CORPUS.md"
    public static let shardCount = 5           // 4 train + 1 val
    public static let shardBytes = 700_000

    public static func isGenerated(dataDir: String) -> Bool { Paths.exists(Paths.join(dataDir, marker)) }

    /// Makes sure `dataDir` has shards: if it has none, generates the corpus there and announces it.
    /// Returns true when the directory holds the generated corpus (now or from an earlier run).
    @discardableResult
    public static func ensure(dataDir: String) throws -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDir)) ?? []
        if names.contains(where: { !$0.hasPrefix(".") && DocumentSource.isShardName($0) }) {
            let gen = isGenerated(dataDir: dataDir)
            if gen { print0("NOTE: \(dataDir) holds the GENERATED synthetic corpus, not real data (run `dataset -n 8` for nanochat's shards)") }
            return gen
        }
        let t0 = now()
        let (docs, bytes) = try generate(into: dataDir)
        print0(String(format: "NOTE: no data shards in %@ — generated a built-in SYNTHETIC corpus there instead (%@ documents, %.1f MB, %d shards, %.2f s): templated stories, arithmetic, counting, facts. This is NOT real data; run `dataset -n 8` for nanochat's shards.",
                      dataDir, commas(docs), Double(bytes) / 1e6, shardCount, now() - t0))
        return true
    }

    /// Writes gen_00000.txt … (the last is the val split) and the marker; returns (documents, bytes).
    @discardableResult
    public static func generate(into dir: String, seed: UInt64 = 42) throws -> (docs: Int, bytes: Int) {
        try Paths.ensureDir(dir)
        var rng = RNG(seed: seed)
        var total = 0, totalDocs = 0
        for s in 0..<shardCount {
            var out = [UInt8]()
            out.reserveCapacity(shardBytes + 4096)
            var n = 0
            while out.count < shardBytes {
                if n > 0 { out += Array("\n<|endoftext|>\n".utf8) }
                out += Array(document(&rng).utf8)
                n += 1
            }
            out.append(0x0A)
            try atomicWrite(Data(out), to: Paths.join(dir, String(format: "gen_%05d.txt", s)))
            total += out.count; totalDocs += n
        }
        let note = """
        # Generated corpus

        This directory holds NanoChat's built-in SYNTHETIC corpus (seed \(seed)), generated because no data
        shards were present. It is not real text. Delete this directory's gen_*.txt files and this marker,
        then run `dataset -n 8`, to train on nanochat's real shards.

        """
        try atomicWrite(Data(note.utf8), to: Paths.join(dir, marker))
        return (totalDocs, total)
    }

    // MARK: - Templates

    static let names = ["Mia", "Leo", "Ava", "Sam", "Lily", "Max", "Zoe", "Ben", "Ella", "Tom", "Nora", "Finn", "Ruby", "Jack", "Ivy", "Owen"]
    static let animals = ["cat", "dog", "rabbit", "fox", "bear", "owl", "duck", "mouse", "frog", "horse", "lion", "turtle"]
    static let sounds = ["cat": "meow", "dog": "woof", "rabbit": "sniff", "fox": "yip", "bear": "growl", "owl": "hoot",
                         "duck": "quack", "mouse": "squeak", "frog": "ribbit", "horse": "neigh", "lion": "roar", "turtle": "hiss"]
    static let adjectives = ["little", "happy", "brave", "curious", "sleepy", "kind", "tiny", "clever", "shy", "funny"]
    static let places = ["small house", "big forest", "quiet village", "green garden", "sunny farm", "old castle", "busy town", "blue lake"]
    static let objects = ["red ball", "shiny key", "old book", "blue kite", "golden coin", "wooden box", "yellow hat", "magic stone"]
    static let spots = ["under a tree", "behind the door", "near the river", "in the grass", "on the hill", "inside a cave"]
    static let activities = ["play in the sun", "read stories", "sing songs", "pick flowers", "bake bread", "watch the stars"]
    static let feelings = ["happy", "surprised", "excited", "proud", "glad"]
    static let colors = ["sky": "blue", "grass": "green", "snow": "white", "sun": "yellow", "night": "dark", "apple": "red", "orange": "orange", "coal": "black"]
    static let capitals = ["France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Germany": "Berlin", "Japan": "Tokyo", "Egypt": "Cairo",
                           "Canada": "Ottawa", "Kenya": "Nairobi", "Peru": "Lima", "Norway": "Oslo", "Greece": "Athens", "India": "New Delhi"]
    // dictionaries iterate in a per-process random order: pick from sorted lists
    static let capitalList = capitals.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    static let colorList = colors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    static let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let numberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]

    static func pick<T>(_ a: [T], _ r: inout RNG) -> T { a[Int(r.next() % UInt64(a.count))] }
    static func int(_ lo: Int, _ hi: Int, _ r: inout RNG) -> Int { lo + Int(r.next() % UInt64(hi - lo + 1)) }

    static func document(_ r: inout RNG) -> String {
        switch r.next() % 6 {
        case 0, 1: return story(&r)
        case 2: return arithmetic(&r)
        case 3: return counting(&r)
        case 4: return facts(&r)
        default: return questions(&r)
        }
    }

    static func story(_ r: inout RNG) -> String {
        let name = pick(names, &r), friend = pick(names.filter { $0 != name }, &r)
        let animal = pick(animals, &r), animal2 = pick(animals, &r)
        let adj = pick(adjectives, &r), place = pick(places, &r), obj = pick(objects, &r)
        var s = "Once upon a time, there was a \(adj) \(animal) named \(name). \(name) lived in a \(place). "
        s += "Every day, \(name) liked to \(pick(activities, &r)). "
        s += "One day, \(name) found a \(obj) \(pick(spots, &r)). \(name) was very \(pick(feelings, &r)). "
        s += "\"Look what I found!\" said \(name). \(name) showed the \(obj) to \(friend), a \(pick(adjectives, &r)) \(animal2). "
        s += "\(friend) said \"\(sounds[animal2]!.capitalized)! What a nice \(obj)!\" "
        s += "Together they decided to \(pick(activities, &r)). "
        let n = int(2, 9, &r)
        s += "They played for \(numberWords[n]) hours, until the sun went down. "
        s += "At the end of the day, \(name) gave the \(obj) to \(friend), because sharing makes friends happy. The end."
        return s
    }

    static func arithmetic(_ r: inout RNG) -> String {
        var lines: [String] = ["Arithmetic practice."]
        for _ in 0..<int(6, 14, &r) {
            let a = int(0, 99, &r), b = int(0, 99, &r)
            switch r.next() % 4 {
            case 0: lines.append("\(a) + \(b) = \(a + b)")
            case 1: lines.append("\(max(a, b)) - \(min(a, b)) = \(max(a, b) - min(a, b))")
            case 2: let x = a % 13, y = b % 13; lines.append("\(x) * \(y) = \(x * y)")
            default: lines.append("What is \(a) plus \(b)? The answer is \(a + b).")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func counting(_ r: inout RNG) -> String {
        let step = int(1, 10, &r), start = int(0, 50, &r) * step
        let seq = (0..<int(8, 16, &r)).map { String(start + $0 * step) }
        if r.next() % 2 == 0 { return "Counting by \(step) from \(start): " + seq.joined(separator: ", ") + "." }
        let list = r.next() % 2 == 0 ? days : months
        let k = int(0, list.count - 1, &r)
        let seq2 = (0..<list.count).map { list[(k + $0) % list.count] }
        return "Starting from \(list[k]), the order is: " + seq2.joined(separator: ", ") + ". After \(seq2.last!) comes \(list[k])."
    }

    static func facts(_ r: inout RNG) -> String {
        var lines: [String] = []
        for _ in 0..<int(3, 7, &r) {
            switch r.next() % 3 {
            case 0: let (c, cap) = capitalList[int(0, capitalList.count - 1, &r)]
                lines.append("The capital of \(c) is \(cap).")
            case 1: let (t, col) = colorList[int(0, colorList.count - 1, &r)]
                lines.append("The color of the \(t) is \(col).")
            default: let a = pick(animals, &r); lines.append("The \(a) says \(sounds[a]!).")
            }
        }
        return lines.joined(separator: " ")
    }

    static func questions(_ r: inout RNG) -> String {
        var lines: [String] = []
        for _ in 0..<int(3, 6, &r) {
            switch r.next() % 3 {
            case 0: let a = pick(animals, &r); lines.append("Q: What sound does a \(a) make?\nA: A \(a) says \(sounds[a]!).")
            case 1: let (c, cap) = capitalList[int(0, capitalList.count - 1, &r)]
                lines.append("Q: What is the capital of \(c)?\nA: The capital of \(c) is \(cap).")
            default: let a = int(1, 12, &r), b = int(1, 12, &r)
                lines.append("Q: How much is \(numberWords[a]) times \(b)?\nA: \(numberWords[a].capitalized) times \(b) is \(a * b).")
            }
        }
        return lines.joined(separator: "\n")
    }
}
