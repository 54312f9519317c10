/// Turns generated tokens into text pieces that never split a UTF-8 character: bytes of an incomplete
/// trailing sequence wait for the next token (a byte-level BPE token may end mid-character). Invalid
/// bytes become U+FFFD, as Python's errors="replace".
public struct TextStream {
    private var pending: [UInt8] = []
    public init() {}

    /// Adds the bytes of one token and returns the text that is complete now (possibly "").
    public mutating func push(_ bytes: [UInt8]) -> String {
        pending += bytes
        let cut = completePrefixLength(pending)
        if cut == 0 { return "" }
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is still pending (at the end of a reply), decoded with replacement characters.
    public mutating func flush() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of `b` without a trailing lead byte whose continuation bytes have not arrived yet.
    func completePrefixLength(_ b: [UInt8]) -> Int {
        // look back at most 3 bytes for the start of the last sequence
        var i = b.count - 1, back = 0
        while i >= 0 && back < 3 && b[i] & 0xC0 == 0x80 { i -= 1; back += 1 }
        guard i >= 0 else { return b.count }
        let lead = b[i]
        let need = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 && lead < 0xF0 ? 3 : lead >= 0xC2 && lead < 0xE0 ? 2 : 1
        return b.count - i < need ? i : b.count
    }
}
