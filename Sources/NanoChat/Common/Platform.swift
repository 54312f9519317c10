import Foundation
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few system calls whose spelling differs between Linux (Glibc) and macOS (Darwin). Everything
/// else in the library calls these instead of naming a C module, so it builds on both.
public enum Platform {
    /// pread(2): up to `count` bytes at `offset` into `buffer`; bytes read, or -1 with errno set.
    @inline(__always)
    public static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, offset: Int) -> Int {
        #if canImport(Darwin)
        return Darwin.pread(fd, buffer, count, off_t(offset))
        #elseif canImport(Glibc)
        return Glibc.pread(fd, buffer, count, off_t(offset))
        #else
        return Musl.pread(fd, buffer, count, off_t(offset))
        #endif
    }

    /// Peak resident set size of this process in bytes, from getrusage (Linux reports KiB, macOS bytes).
    public static var peakRSS: Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }

    /// Is this file descriptor a terminal (progress lines are drawn in place only there)?
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }

    /// "Linux" or "macOS" and the kernel release, e.g. "Linux 6.1.0-18-amd64".
    public static var systemName: String {
        var u = utsname()
        uname(&u)
        func field<T>(_ t: T) -> String {
            withUnsafeBytes(of: t) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        }
        #if os(macOS)
        return "macOS \(ProcessInfo.processInfo.operatingSystemVersionString) (\(field(u.machine)))"
        #else
        return "\(field(u.sysname)) \(field(u.release)) (\(field(u.machine)))"
        #endif
    }

    /// The CPU's marketing name: /proc/cpuinfo's "model name" on Linux, sysctl machdep.cpu.brand_string on
    /// macOS; nil when neither answers (e.g. some ARM Linux kernels).
    public static var cpuModel: String? {
        #if canImport(Darwin)
        var size = 0
        guard sysctlbyname("machdep.cpu.brand_string", nil, &size, nil, 0) == 0, size > 0 else { return nil }
        var buf = [CChar](repeating: 0, count: size)
        guard sysctlbyname("machdep.cpu.brand_string", &buf, &size, nil, 0) == 0 else { return nil }
        return String(cString: buf)
        #else
        guard let s = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in s.split(separator: "\n") where line.hasPrefix("model name") || line.hasPrefix("Model") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
        #endif
    }

    /// Installed memory in bytes.
    public static var physicalMemory: Int { Int(ProcessInfo.processInfo.physicalMemory) }
}
