/// Stop strings over streamed text (OpenAI's `stop`): text is released only once it cannot be the start
/// of a stop string, and generation ends at the first stop string, which is not part of the reply.
public struct StopText {
    public let stops: [String]
    private var held = ""

    public init(_ stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Adds a piece of text; returns the text that is safe to emit now and whether a stop string appeared.
    public mutating func push(_ piece: String) -> (text: String, stopped: Bool) {
        guard !stops.isEmpty else { return (piece, false) }
        held += piece
        var first: String.Index? = nil
        for s in stops { if let r = held.range(of: s), first == nil || r.lowerBound < first! { first = r.lowerBound } }
        if let first {
            let out = String(held[..<first]); held = ""
            return (out, true)
        }
        // hold back the longest tail that begins some stop string
        var keep = 0
        let scalars = Array(held.unicodeScalars)
        for s in stops {
            let stopScalars = Array(s.unicodeScalars)
            for n in stride(from: min(stopScalars.count - 1, scalars.count), to: keep, by: -1)
            where Array(scalars.suffix(n)) == Array(stopScalars.prefix(n)) {
                keep = n; break
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.dropLast(keep))
        held = String(String.UnicodeScalarView(scalars.suffix(keep)))
        return (String(view), false)
    }

    /// The held-back text at the end of a reply that did not stop on a stop string.
    public mutating func flush() -> String { defer { held = "" }; return held }
}
