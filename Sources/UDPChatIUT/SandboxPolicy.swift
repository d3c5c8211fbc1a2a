// The instructor's sandbox policy (`--policy FILE`): the most an implementation may use, and what
// it sees of the host. A student's manifest may ask for less (its `limits:`), never for more.
import Foundation
import UDPChatSupport
import Yams

public struct SandboxPolicy: Sendable, Equatable {
    /// The ceiling of every limit (and the limits of a manifest that asks for nothing).
    public var limits: Limits
    /// Host folders implementations see read-only.
    public var systemPaths: [String]

    public init(limits: Limits = .defaults, systemPaths: [String] = Confinement.defaultSystemPaths) {
        self.limits = limits
        self.systemPaths = systemPaths
    }

    public static let `default` = SandboxPolicy()

    /// `manifest`'s limits under this policy: the policy's, except where the manifest asked for less.
    public func limits(for manifest: Manifest) -> Limits {
        let asked = manifest.limits.capped(by: limits)
        var result = limits
        for key in manifest.limitKeys {
            switch key {
            case "cpu": result.cpuSeconds = asked.cpuSeconds
            case "memory": result.memoryBytes = asked.memoryBytes
            case "processes": result.processes = asked.processes
            case "file-size": result.fileSizeBytes = asked.fileSizeBytes
            case "wall": result.wall = asked.wall
            case "cpu-share": result.cpuShare = asked.cpuShare
            case "open-files": result.openFiles = asked.openFiles
            case "disk": result.diskBytes = asked.diskBytes
            default: break
            }
        }
        return result
    }

    /// Reads a policy file:
    ///
    /// ```yaml
    /// limits: {cpu: 30s, memory: 256MiB, processes: 64, file-size: 16MiB, disk: 32MiB, open-files: 128, cpu-share: 0.5, wall: 2m}
    /// system-paths: [/usr, /bin, /lib, /lib64, /etc]
    /// ```
    public static func load(path: String) throws(UDPChatError) -> SandboxPolicy {
        func fail(_ field: String, _ reason: String) -> UDPChatError { .invalidPolicy("\(path): field '\(field)': \(reason)") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail("(file)", "cannot read \(path)") }
        let mapping = try Manifest.mapping(text, what: "the policy", fail: fail)
        var policy = SandboxPolicy()
        for (key, value) in mapping {
            switch key.string {
            case "limits":
                policy.limits = try Manifest.parseLimits(value, fail: fail)
            case "system-paths":
                guard let items = value.sequence?.compactMap(\.string), items.allSatisfy({ $0.hasPrefix("/") && $0 != "/" }) else {
                    throw fail("system-paths", "must be a list of absolute folders other than /")
                }
                policy.systemPaths = items
            default:
                throw fail(key.string ?? "?", "unknown field (known: limits, system-paths)")
            }
        }
        return policy
    }
}

extension UDPChatError.Code {
    /// A sandbox policy file the grader cannot accept.
    public static let invalidPolicy = Self(IUTCodes.invalidPolicy)
}

extension UDPChatError {
    public static func invalidPolicy(_ reason: String) -> Self { Self(.invalidPolicy, reason) }
}
