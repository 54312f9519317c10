import Foundation

/// Runs untrusted Python (a model's HumanEval answer) the way nanochat's execution.py does, in a child
/// process: a wall-clock limit (killed with its whole process group), an address-space limit and nanochat's
/// `reliability_guard` (no fork/kill/system/file removal, no subprocess) set by a preamble before the code
/// runs, sockets disabled, and a fresh scratch directory as cwd, HOME and TMPDIR, removed afterwards. When
/// `unshare -n` works on this machine the child also runs in an empty network namespace.
public final class PythonSandbox {
    public struct Outcome {
        public let success: Bool
        public let timedOut: Bool
        /// The last lines of stderr (the exception), for the per-problem JSONL.
        public let error: String
    }

    public let python: String
    public let timeout: Double
    public let memoryBytes: Int
    /// `["/usr/bin/unshare", "-n"]` (or `-rn`) when a network namespace can be made, else [].
    let netPrefix: [String]

    /// Finds `python3` on PATH; nil when there is none (HumanEval is then skipped).
    public init?(timeout: Double = 5, memoryBytes: Int = 256 << 20) {
        guard let py = Self.which("python3") else { return nil }
        python = py
        self.timeout = timeout
        self.memoryBytes = memoryBytes
        netPrefix = Self.networkNamespacePrefix()
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Tries `unshare -n true`, then `unshare -rn true` (unprivileged user namespace).
    static func networkNamespacePrefix() -> [String] {
        guard let unshare = which("unshare") else { return [] }
        for flags in ["-n", "-rn"] {
            if let status = try? spawnAndWait([unshare, flags, "true"], env: [], stdoutPath: "/dev/null",
                                              stderrPath: "/dev/null", timeout: 5).status, status == 0 {
                return [unshare, flags]
            }
        }
        return []
    }

    /// Runs `program`; success = exit status 0 within the time limit.
    public func run(_ program: String) throws -> Outcome {
        let scratch = NSTemporaryDirectory() + "nanochat-sandbox-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let programPath = scratch + "/program.py", guardPath = scratch + "/guard.py"
        try Data(program.utf8).write(to: URL(fileURLWithPath: programPath))
        try Data(Self.preamble.utf8).write(to: URL(fileURLWithPath: guardPath))
        var env = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=\(scratch)", "TMPDIR=\(scratch)", "LANG=C.UTF-8",
                   "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0", "OMP_NUM_THREADS=1"]
        // pyenv's python3 is a shim script that needs its own variables to find the interpreter
        for (k, v) in ProcessInfo.processInfo.environment where k.hasPrefix("PYENV") { env.append("\(k)=\(v)") }
        if python.contains("/.pyenv/"), let parentPath = ProcessInfo.processInfo.environment["PATH"] { env[0] = "PATH=\(parentPath)" }
        let argv = netPrefix + [python, "-I", "-B", guardPath, programPath, scratch, String(memoryBytes)]
        let (status, timedOut) = try Self.spawnAndWait(argv, env: env, stdoutPath: scratch + "/stdout",
                                                       stderrPath: scratch + "/stderr", timeout: timeout)
        let stderr = (try? String(contentsOfFile: scratch + "/stderr", encoding: .utf8)) ?? ""
        let tail = stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
        return Outcome(success: !timedOut && status == 0, timedOut: timedOut,
                       error: timedOut ? "timed out after \(timeout) s" : String(tail.suffix(500)))
    }

    /// posix_spawn in a new process group with stdin from /dev/null; waits up to `timeout` seconds, then
    /// SIGKILLs the group. Returns the exit status (128+signal when killed by a signal).
    static func spawnAndWait(_ argv: [String], env: [String], stdoutPath: String, stderrPath: String,
                             timeout: Double) throws -> (status: Int32, timedOut: Bool) {
        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        var attr = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        var attr: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attr)
        defer { posix_spawn_file_actions_destroy(&actions); posix_spawnattr_destroy(&attr) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        guard rc == 0 else { throw NanoChatError("sandbox: cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return (-1, false) }
            if Date() >= deadline {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                kill(-pid, SIGKILL)   // anything the child left behind in its group
                return (-1, true)
            }
            usleep(2_000)
        }
        kill(-pid, SIGKILL)   // stray grandchildren (fork is disabled, but belt and braces)
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), false)
    }

    /// Runs before the untrusted code (nanochat's `reliability_guard` plus limits and no sockets);
    /// argv: program path, scratch dir, memory limit in bytes.
    static let preamble = #"""
import sys, os, resource, faulthandler, builtins, io
program_path, scratch, mem = sys.argv[1], sys.argv[2], int(sys.argv[3])
for lim in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
    resource.setrlimit(lim, (mem, mem))
resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
try:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
except Exception:
    pass
os.chdir(scratch)
source = open(program_path).read()
import socket
def _no_network(*a, **k):
    raise OSError("network access is disabled in the sandbox")
socket.socket = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network
faulthandler.disable()
builtins.exit = None
builtins.quit = None
os.environ["OMP_NUM_THREADS"] = "1"
for name in ["kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork", "forkpty",
             "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown", "chmod", "chown",
             "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir", "execv", "execve", "spawnv", "popen"]:
    if hasattr(os, name):
        setattr(os, name, None)
import shutil
shutil.rmtree = None
shutil.move = None
shutil.chown = None
import subprocess
subprocess.Popen = None
builtins.help = None
for mod in ["ipdb", "joblib", "resource", "psutil", "tkinter"]:
    sys.modules[mod] = None
sys.argv = [program_path]
sys.stdin = io.StringIO()
exec(compile(source, "program.py", "exec"), {"__name__": "__main__", "__builtins__": builtins})
"""#
}
