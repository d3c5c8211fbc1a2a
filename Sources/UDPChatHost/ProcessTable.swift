// The processes of this PID namespace as /proc lists them: who is whose child, their threads and
// memory; the sockets a process tree holds; stopping and continuing a tree. Used by the limit watch
// and by whole-submission cases (a client's sockets, the server held still).
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One reading of /proc: every process's parent, threads and resident pages.
public struct ProcessTable: Sendable {
    public var children: [Int32: [Int32]] = [:]
    public var threads: [Int32: Int] = [:]
    public var residentPages: [Int32: Int] = [:]

    public static func read() -> ProcessTable {
        var table = ProcessTable()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let text = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { continue }
            // After the command's closing parenthesis, field k of proc(5) is at k − 3: ppid (4), num_threads (20), rss (24).
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 21, let parent = Int32(fields[1]) else { continue }
            table.children[parent, default: []].append(pid)
            table.threads[pid] = Int(fields[17]) ?? 1
            table.residentPages[pid] = Int(fields[21]) ?? 0
        }
        return table
    }

    /// Every process below `pid` (not `pid` itself).
    public func descendants(of pid: Int32) -> [Int32] {
        var found: [Int32] = []
        var pending = children[pid] ?? []
        while let next = pending.popLast() {
            found.append(next)
            pending += children[next] ?? []
        }
        return found
    }

    /// `pid` and every process below it.
    public static func tree(of pid: Int32) -> [Int32] { [pid] + read().descendants(of: pid) }

    /// The socket inodes the processes of `pid`'s tree hold open (their /proc/PID/fd links
    /// `socket:[INODE]`); empty where those cannot be read.
    public static func socketInodes(of pid: Int32) -> Set<UInt64> {
        var inodes: Set<UInt64> = []
        for member in tree(of: pid) {
            let folder = "/proc/\(member)/fd"
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(fd)"),
                      target.hasPrefix("socket:["), target.hasSuffix("]"),
                      let inode = UInt64(target.dropFirst("socket:[".count).dropLast()) else { continue }
                inodes.insert(inode)
            }
        }
        return inodes
    }

    /// Sends `signal` to every process of `pid`'s tree (SIGSTOP holds a program still with its
    /// datagrams waiting in its socket; SIGCONT lets it go on). Returns how many were signalled.
    @discardableResult
    public static func signalTree(of pid: Int32, _ signal: Int32) -> Int {
        tree(of: pid).filter { kill($0, signal) == 0 }.count
    }
}
