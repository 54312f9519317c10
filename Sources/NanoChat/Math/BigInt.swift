/// A small arbitrary-precision signed integer: what the calculator needs to answer as Python's `int`
/// does (`+ - *`, floor `//` and `%`, true `/` to a correctly rounded float, decimal in and out).
/// Magnitude as little-endian 32-bit limbs without high zero limbs (zero is `[]`); schoolbook
/// multiplication and Knuth's algorithm D, which is plenty for numbers of a few thousand digits.
public struct BigInt: Equatable, CustomStringConvertible {
    public private(set) var negative: Bool
    var magnitude: [UInt32]

    public init(_ value: Int) {
        negative = value < 0
        var m = value.magnitude
        magnitude = []
        while m != 0 { magnitude.append(UInt32(truncatingIfNeeded: m)); m >>= 32 }
    }

    init(negative: Bool, magnitude: [UInt32]) {
        var mag = magnitude
        Self.trim(&mag)
        self.negative = mag.isEmpty ? false : negative
        self.magnitude = mag
    }

    /// Parses ASCII decimal digits (no sign); nil if `digits` holds anything else or is empty.
    public init?<C: Collection>(decimal digits: C) where C.Element == UInt8 {
        guard !digits.isEmpty else { return nil }
        var mag: [UInt32] = []
        var chunk: UInt32 = 0, chunkDigits = 0
        func flush() {
            var carry = UInt64(chunk)
            let scale = UInt64(Self.pow10[chunkDigits])
            for i in mag.indices {
                let t = UInt64(mag[i]) * scale + carry
                mag[i] = UInt32(truncatingIfNeeded: t); carry = t >> 32
            }
            if carry != 0 { mag.append(UInt32(carry)) }
            chunk = 0; chunkDigits = 0
        }
        for c in digits {
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
            chunk = chunk * 10 + UInt32(c - UInt8(ascii: "0")); chunkDigits += 1
            if chunkDigits == 9 { flush() }
        }
        if chunkDigits > 0 { flush() }
        self.init(negative: false, magnitude: mag)
    }

    static let pow10: [UInt32] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]

    public var isZero: Bool { magnitude.isEmpty }
    /// Bits of the magnitude (0 for zero), Python's `int.bit_length`.
    public var bitWidth: Int { magnitude.isEmpty ? 0 : magnitude.count * 32 - magnitude.last!.leadingZeroBitCount }

    public var description: String {
        var mag = magnitude, chunks: [UInt32] = []
        while !mag.isEmpty { chunks.append(Self.divideInPlace(&mag, by: 1_000_000_000)) }
        guard let top = chunks.last else { return "0" }
        var out = (negative ? "-" : "") + String(top)
        for c in chunks.dropLast().reversed() {
            let s = String(c)
            out += String(repeating: "0", count: 9 - s.count) + s
        }
        return out
    }

    public static prefix func - (x: BigInt) -> BigInt { BigInt(negative: !x.negative, magnitude: x.magnitude) }

    public static func + (a: BigInt, b: BigInt) -> BigInt {
        if a.negative == b.negative { return BigInt(negative: a.negative, magnitude: add(a.magnitude, b.magnitude)) }
        if compare(a.magnitude, b.magnitude) >= 0 { return BigInt(negative: a.negative, magnitude: subtract(a.magnitude, b.magnitude)) }
        return BigInt(negative: b.negative, magnitude: subtract(b.magnitude, a.magnitude))
    }

    public static func - (a: BigInt, b: BigInt) -> BigInt { a + (-b) }

    public static func * (a: BigInt, b: BigInt) -> BigInt {
        BigInt(negative: a.negative != b.negative, magnitude: multiply(a.magnitude, b.magnitude))
    }

    /// Python's `divmod`: the quotient rounds toward −∞ and the remainder takes the divisor's sign; nil for b == 0.
    public static func floorDivMod(_ a: BigInt, _ b: BigInt) -> (quotient: BigInt, remainder: BigInt)? {
        guard !b.isZero else { return nil }
        let (q, r) = divMod(a.magnitude, b.magnitude)
        if a.negative == b.negative || r.isEmpty {
            return (BigInt(negative: a.negative != b.negative, magnitude: q), BigInt(negative: a.negative, magnitude: r))
        }
        return (BigInt(negative: true, magnitude: add(q, [1])), BigInt(negative: b.negative, magnitude: subtract(b.magnitude, r)))
    }

    /// Python's `float(x)`: correctly rounded (ties to even); nil where Python raises OverflowError.
    public var double: Double? {
        Self.roundToDouble(magnitude, exponent: 0, sticky: false).map { negative ? -$0 : $0 }
    }

    /// Python's `a / b` for ints: the exact quotient correctly rounded to a Double (CPython's
    /// `long_true_divide`); nil for b == 0 or a result too large for a float.
    public static func trueDivide(_ a: BigInt, _ b: BigInt) -> Double? {
        guard !b.isZero else { return nil }
        let negative = a.negative != b.negative
        if a.bitWidth <= 53 && b.bitWidth <= 53 { return a.double! / b.double! }   // both exact: one rounding
        if a.isZero { return negative ? -0.0 : 0.0 }
        // a quotient of 65–66 bits plus a sticky bit for the remainder rounds exactly like the real ratio
        let shift = a.bitWidth - b.bitWidth - 65
        let (q, r) = shift >= 0 ? divMod(a.magnitude, shiftLeft(b.magnitude, shift))
                                : divMod(shiftLeft(a.magnitude, -shift), b.magnitude)
        return roundToDouble(q, exponent: shift, sticky: !r.isEmpty).map { negative ? -$0 : $0 }
    }

    // MARK: - magnitudes

    static func trim(_ m: inout [UInt32]) { while m.last == 0 { m.removeLast() } }

    static func compare(_ a: [UInt32], _ b: [UInt32]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return 0
    }

    static func add(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        let (long, short) = a.count >= b.count ? (a, b) : (b, a)
        var out = long, carry: UInt64 = 0
        for i in 0..<long.count {
            let t = UInt64(long[i]) + (i < short.count ? UInt64(short[i]) : 0) + carry
            out[i] = UInt32(truncatingIfNeeded: t); carry = t >> 32
            if carry == 0 && i >= short.count { break }
        }
        if carry != 0 { out.append(UInt32(carry)) }
        return out
    }

    /// a − b for a ≥ b.
    static func subtract(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out = a, borrow: Int64 = 0
        for i in 0..<a.count {
            let t = Int64(a[i]) - (i < b.count ? Int64(b[i]) : 0) - borrow
            out[i] = UInt32(truncatingIfNeeded: t); borrow = t < 0 ? 1 : 0
            if borrow == 0 && i >= b.count { break }
        }
        trim(&out)
        return out
    }

    static func multiply(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        if a.isEmpty || b.isEmpty { return [] }
        var out = [UInt32](repeating: 0, count: a.count + b.count)
        for i in 0..<a.count {
            var carry: UInt64 = 0
            let x = UInt64(a[i])
            for j in 0..<b.count {
                let t = x * UInt64(b[j]) + UInt64(out[i + j]) + carry
                out[i + j] = UInt32(truncatingIfNeeded: t); carry = t >> 32
            }
            out[i + b.count] = UInt32(carry)
        }
        trim(&out)
        return out
    }

    /// Divides in place by a single limb and returns the remainder.
    static func divideInPlace(_ m: inout [UInt32], by d: UInt32) -> UInt32 {
        var r: UInt64 = 0
        for i in stride(from: m.count - 1, through: 0, by: -1) {
            let cur = (r << 32) | UInt64(m[i])
            m[i] = UInt32(cur / UInt64(d)); r = cur % UInt64(d)
        }
        trim(&m)
        return UInt32(r)
    }

    static func shiftLeft(_ m: [UInt32], _ bits: Int) -> [UInt32] {
        if m.isEmpty || bits == 0 { return m }
        let limbs = bits / 32, rest = bits % 32
        var out = [UInt32](repeating: 0, count: limbs) + m + [0]
        if rest > 0 {
            for i in stride(from: out.count - 1, to: limbs, by: -1) {
                out[i] = (out[i] << rest) | (out[i - 1] >> (32 - rest))
            }
            out[limbs] = m[0] << rest
        }
        trim(&out)
        return out
    }

    static func shiftRight(_ m: [UInt32], _ bits: Int) -> [UInt32] {
        let limbs = bits / 32, rest = bits % 32
        if limbs >= m.count { return [] }
        var out = Array(m[limbs...])
        if rest > 0 {
            for i in 0..<out.count {
                out[i] = (out[i] >> rest) | (i + 1 < out.count ? out[i + 1] << (32 - rest) : 0)
            }
        }
        trim(&out)
        return out
    }

    static func bit(_ m: [UInt32], _ index: Int) -> Bool {
        index >= 0 && index / 32 < m.count && (m[index / 32] >> (index % 32)) & 1 == 1
    }

    static func anyBitBelow(_ m: [UInt32], _ index: Int) -> Bool {
        let limbs = min(index / 32, m.count)
        if m[0..<limbs].contains(where: { $0 != 0 }) { return true }
        return limbs < m.count && index % 32 > 0 && m[limbs] & ((1 << UInt32(index % 32)) - 1) != 0
    }

    /// Knuth's algorithm D (TAOCP 4.3.1): quotient and remainder of magnitudes, v non-empty.
    static func divMod(_ u: [UInt32], _ v: [UInt32]) -> (q: [UInt32], r: [UInt32]) {
        if compare(u, v) < 0 { return ([], u) }
        if v.count == 1 {
            var q = u
            let r = divideInPlace(&q, by: v[0])
            return (q, r == 0 ? [] : [r])
        }
        let s = v.last!.leadingZeroBitCount
        let vn = shiftLeft(v, s)
        var un = shiftLeft(u, s)
        if un.count == u.count { un.append(0) }
        let n = v.count, m = u.count - n, base: UInt64 = 1 << 32
        var q = [UInt32](repeating: 0, count: m + 1)
        for j in stride(from: m, through: 0, by: -1) {
            let num = (UInt64(un[j + n]) << 32) | UInt64(un[j + n - 1])
            var qhat = num / UInt64(vn[n - 1]), rhat = num % UInt64(vn[n - 1])
            while qhat >= base || qhat * UInt64(vn[n - 2]) > ((rhat << 32) | UInt64(un[j + n - 2])) {
                qhat -= 1; rhat += UInt64(vn[n - 1])
                if rhat >= base { break }
            }
            var borrow: Int64 = 0, carry: UInt64 = 0
            for i in 0..<n {   // un[j...j+n] −= qhat · vn
                let p = qhat * UInt64(vn[i]) + carry
                carry = p >> 32
                let t = Int64(un[i + j]) - borrow - Int64(p & 0xffff_ffff)
                un[i + j] = UInt32(truncatingIfNeeded: t); borrow = t < 0 ? 1 : 0
            }
            let t = Int64(un[j + n]) - borrow - Int64(carry)
            un[j + n] = UInt32(truncatingIfNeeded: t)
            if t < 0 {   // qhat was one too large (rare): add vn back
                qhat -= 1
                var c: UInt64 = 0
                for i in 0..<n {
                    let sum = UInt64(un[i + j]) + UInt64(vn[i]) + c
                    un[i + j] = UInt32(truncatingIfNeeded: sum); c = sum >> 32
                }
                un[j + n] = UInt32(truncatingIfNeeded: UInt64(un[j + n]) + c)
            }
            q[j] = UInt32(qhat)
        }
        trim(&q)
        return (q, shiftRight(Array(un[0..<n]), s))
    }

    /// (m + ε) · 2^exponent rounded to the nearest Double, ties to even, subnormals included; `sticky`
    /// says ε > 0 (a nonzero remainder below m's last bit). nil when it rounds past the largest finite Double.
    static func roundToDouble(_ m: [UInt32], exponent: Int, sticky: Bool) -> Double? {
        let n = m.isEmpty ? 0 : m.count * 32 - m.last!.leadingZeroBitCount
        if n == 0 { return 0 }
        let top = n - 1 + exponent                               // exponent of the leading bit
        let keep = top < -1022 ? 53 - (-1022 - top) : 53          // a subnormal keeps fewer bits
        let drop = n - keep
        var kept: UInt64 = 0
        if drop <= 0 {
            for (i, limb) in m.enumerated() { kept |= UInt64(limb) << (32 * i) }
        } else {
            for (i, limb) in shiftRight(m, drop).enumerated() { kept |= UInt64(limb) << (32 * i) }
            if bit(m, drop - 1) && (sticky || anyBitBelow(m, drop - 1) || kept & 1 == 1) { kept += 1 }
        }
        let value = Double(sign: .plus, exponent: exponent + max(drop, 0), significand: Double(kept))   // exact: scalbn
        return value.isFinite ? value : nil
    }
}
