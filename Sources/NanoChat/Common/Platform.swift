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

    /// Asks the kernel to back `[start, start + byteCount)` with 2 MB pages (madvise MADV_HUGEPAGE; Linux
    /// only, where transparent huge pages are often "madvise" only). Streaming a weight matrix or a KV cache
    /// then walks one TLB entry per 2 MB instead of per 4 KB. A hint: failure changes nothing.
    public static func adviseHugePages(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        _ = madvise(start, byteCount, MADV_HUGEPAGE)
        #endif
    }

    /// Gives the memory pages lying wholly inside `[start, start + byteCount)` back to the kernel (madvise
    /// MADV_DONTNEED on Linux, MADV_FREE on macOS); the partial pages at either end stay. The range must
    /// never be read again: on Linux it reads as zeros, on macOS as anything. On Linux the range is also
    /// marked MADV_NOHUGEPAGE first, so khugepaged does not fill it back in with zeroed huge pages. Returns
    /// the bytes released.
    @discardableResult
    public static func releasePages(_ start: UnsafeMutableRawPointer, byteCount: Int) -> Int {
        guard case let (p, lo, hi, _)? = wholePages(start, byteCount: byteCount) else { return 0 }
        #if os(Linux)
        _ = madvise(p, hi - lo, MADV_NOHUGEPAGE)
        guard madvise(p, hi - lo, MADV_DONTNEED) == 0 else { return 0 }
        #else
        guard madvise(p, hi - lo, MADV_FREE) == 0 else { return 0 }
        #endif
        return hi - lo
    }

    /// Bytes of the whole pages inside `[start, start + byteCount)` that are resident in memory now
    /// (mincore(2)); nil when the kernel does not say.
    public static func residentBytes(_ start: UnsafeRawPointer, byteCount: Int) -> Int? {
        guard case let (p, lo, hi, page)? = wholePages(start, byteCount: byteCount) else { return 0 }
        #if canImport(Darwin)
        var pages = [CChar](repeating: 0, count: (hi - lo) / page)
        #else
        var pages = [UInt8](repeating: 0, count: (hi - lo) / page)
        #endif
        guard mincore(p, hi - lo, &pages) == 0 else { return nil }
        return pages.reduce(0) { $0 + (($1 & 1) != 0 ? page : 0) }
    }

    /// The pages lying wholly inside `[start, start + byteCount)`: their first address, as a pointer and as a
    /// number, the end, and the page size; nil when there are none.
    private static func wholePages(_ start: UnsafeRawPointer, byteCount: Int) -> (UnsafeMutableRawPointer, Int, Int, Int)? {
        let page = Int(getpagesize()), first = Int(bitPattern: start)
        let lo = (first + page - 1) / page * page, hi = (first + byteCount) / page * page
        guard hi > lo, let p = UnsafeMutableRawPointer(bitPattern: lo) else { return nil }
        return (p, lo, hi, page)
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

    // MARK: - Sockets (chat_web's event loop)

    /// Linux's POLLRDHUP (peer closed its writing side), which Glibc's module map does not export.
    #if os(Linux)
    public static let pollReadHangup: Int16 = 0x2000
    #else
    public static let pollReadHangup: Int16 = 0
    #endif

    /// Ctrl-C (SIGINT) no longer ends the process: `handler` runs on a background queue instead (chat_cli
    /// stops an answer with it). Keep the returned source alive as long as the handler should run.
    public static func onInterrupt(_ handler: @escaping () -> Void) -> DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }

    /// close(2), ignoring the result.
    public static func closeFD(_ fd: Int32) {
        #if canImport(Darwin)
        _ = Darwin.close(fd)
        #elseif canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Musl.close(fd)
        #endif
    }

    /// A non-blocking IPv4 TCP socket bound to host:port and listening; errors name the address.
    public static func listenTCP(host: String, port: Int, backlog: Int32 = 1024) throws -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw NanoChatError("cannot create a socket (\(String(cString: strerror(errno))))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            closeFD(fd)
            throw NanoChatError("--host=\(host) is not an IPv4 address")
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bindSocket(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else {
            let why = String(cString: strerror(errno)); closeFD(fd)
            throw NanoChatError("cannot bind \(host):\(port) (\(why))")
        }
        guard listen(fd, backlog) == 0 else { closeFD(fd); throw NanoChatError("listen on \(host):\(port) failed") }
        setNonBlocking(fd)
        return fd
    }

    private static func bindSocket(_ fd: Int32, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t) -> Int32 {
        #if canImport(Darwin)
        return Darwin.bind(fd, addr, len)
        #elseif canImport(Glibc)
        return Glibc.bind(fd, addr, len)
        #else
        return Musl.bind(fd, addr, len)
        #endif
    }

    /// accept(2) on a listening socket; the new socket is non-blocking. -1 when none is waiting.
    public static func acceptClient(_ listenFD: Int32) -> Int32 {
        let fd = accept(listenFD, nil, nil)
        if fd >= 0 { setNonBlocking(fd); var one: Int32 = 1; setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        return fd
    }

    public static func setNonBlocking(_ fd: Int32) { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

    /// recv(2) into `buffer`: bytes read, 0 at end of stream, -1 with errno (EAGAIN: nothing yet).
    public static func receive(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { recv(fd, buffer, count, 0) }

    /// send(2) without SIGPIPE: bytes written or -1 with errno (EAGAIN: the socket buffer is full).
    public static func sendBytes(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if os(Linux)
        return send(fd, buffer, count, Int32(MSG_NOSIGNAL))
        #else
        return send(fd, buffer, count, 0)
        #endif
    }

    /// A non-blocking pipe (read end, write end): another thread wakes the event loop by writing a byte.
    public static func wakePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw NanoChatError("cannot create a pipe (\(String(cString: strerror(errno))))") }
        setNonBlocking(fds[0]); setNonBlocking(fds[1])
        return (fds[0], fds[1])
    }

    public static func writeByte(_ fd: Int32) { var b: UInt8 = 1; _ = write(fd, &b, 1) }
    public static func drain(_ fd: Int32) { var buf = [UInt8](repeating: 0, count: 256); while read(fd, &buf, 256) > 0 {} }

    /// The poll(2) event bits the loop uses.
    public static let pollIn = Int16(POLLIN), pollOut = Int16(POLLOUT)
    public static let pollClosed = Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)

    /// poll(2) over `fds` for at most `timeoutMs`; fills `revents`. Returns the ready count (−1 on error).
    public static func poll(_ fds: inout [pollfd], timeoutMs: Int32) -> Int32 {
        #if canImport(Darwin)
        return Darwin.poll(&fds, nfds_t(fds.count), timeoutMs)
        #elseif canImport(Glibc)
        return Glibc.poll(&fds, nfds_t(fds.count), timeoutMs)
        #else
        return Musl.poll(&fds, nfds_t(fds.count), timeoutMs)
        #endif
    }

    /// Raises this process's open-file limit to its hard limit (a server holds one descriptor per client);
    /// returns the soft limit now in force.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var lim = rlimit()
        #if os(Linux)
        let which = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let which = RLIMIT_NOFILE
        #endif
        guard getrlimit(which, &lim) == 0 else { return 1024 }
        if lim.rlim_cur < lim.rlim_max { lim.rlim_cur = min(lim.rlim_max, 65536); _ = setrlimit(which, &lim) }
        _ = getrlimit(which, &lim)
        return Int(lim.rlim_cur)
    }
}
