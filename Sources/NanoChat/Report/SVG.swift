import Foundation

/// A minimal SVG 1.1 writer: shapes and text appended in drawing order, attributes escaped, numbers
/// printed with two decimals so files stay small and diff-able. Only what the report's plots need.
public struct SVG {
    public let width: Double
    public let height: Double
    private var body: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    public mutating func rect(x: Double, y: Double, width w: Double, height h: Double, fill: String,
                              stroke: String? = nil, strokeWidth: Double = 1) {
        var s = "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(esc(fill))\""
        if let stroke { s += " stroke=\"\(esc(stroke))\" stroke-width=\"\(n(strokeWidth))\"" }
        body.append(s + "/>")
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width w: Double = 1,
                              dash: String? = nil) {
        var s = "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(esc(stroke))\" stroke-width=\"\(n(w))\""
        if let dash { s += " stroke-dasharray=\"\(esc(dash))\"" }
        body.append(s + "/>")
    }

    /// An open polyline through the points (pixel coordinates).
    public mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width w: Double = 1.5) {
        guard !points.isEmpty else { return }
        let pts = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        body.append("<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(esc(stroke))\" stroke-width=\"\(n(w))\" stroke-linejoin=\"round\"/>")
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String) {
        body.append("<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(r))\" fill=\"\(esc(fill))\"/>")
    }

    public enum Anchor: String { case start, middle, end }

    /// Text with its baseline at y; `rotate` turns it (degrees) about (x, y), e.g. -90 for a y-axis label.
    public mutating func text(_ t: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                              fill: String = "#222", bold: Bool = false, rotate: Double? = nil) {
        var s = "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(esc(fill))\""
        if bold { s += " font-weight=\"bold\"" }
        if let rotate { s += " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\"" }
        body.append(s + ">\(esc(t))</text>")
    }

    /// The whole document, white background first.
    public var document: String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" "
        s += "viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>\n"
        s += body.joined(separator: "\n")
        return s + "\n</svg>\n"
    }

    private func n(_ v: Double) -> String {
        guard v.isFinite else { return "0" } // callers drop non-finite data; this keeps the file valid regardless
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(format: "%.2f", r)
    }

    /// XML escaping for attribute values and text.
    func esc(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
