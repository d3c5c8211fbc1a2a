#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import UDPChatSupport

/// An output file that is written under a temporary name in the same folder and only renamed
/// to its real name once complete, so a failed run never leaves a partial file that looks good.
struct AtomicOutput: Sendable {
    let path: String
    let temporaryPath: String

    init(path: String) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var random = SystemRandomNumberGenerator()
        let tag = String(random.next() as UInt32, radix: 36)
        temporaryPath = "\(folder).\(name).\(getpid())-\(tag).partial"
    }

    /// Moves the temporary file to its final name.
    func commit() throws(UDPChatError) {
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw UDPChatError(.cannotWrite, "cannot write \(path): \(reason)")
        }
    }

    /// Deletes the temporary file (if any).
    func discard() {
        _ = unlink(temporaryPath)
    }
}
