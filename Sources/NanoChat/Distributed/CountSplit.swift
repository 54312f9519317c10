/// MPI counts and displacements are Int32: a buffer of more than `limit` elements goes out in several
/// calls. Pure arithmetic, shared by every collective (and unit-tested without MPI).
public enum CountSplit {
    /// `0..<count` cut into consecutive ranges of at most `limit` elements (none for an empty buffer).
    public static func pieces(_ count: Int, limit: Int) -> [Range<Int>] {
        precondition(limit > 0)
        return stride(from: 0, to: count, by: limit).map { $0..<min(count, $0 + limit) }
    }

    /// Start of each rank's part when the parts lie back to back.
    public static func displacements(_ counts: [Int]) -> [Int] {
        var out: [Int] = [], at = 0
        for c in counts { out.append(at); at += c }
        return out
    }

    /// One v-collective call can carry these parts when every count and displacement fits in `limit`.
    public static func fitsOneCall(_ counts: [Int], limit: Int) -> Bool {
        counts.reduce(0, +) <= limit
    }
}
