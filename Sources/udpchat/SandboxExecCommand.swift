import ArgumentParser
import Foundation
import UDPChatIUT

/// The step between the case's worker and an implementation's own sandbox (hidden): joins the case's
/// cgroup, sets the rlimits, makes the syscall filter, takes the case's uid, then becomes the
/// bubblewrap command that follows `--` (UDPChatIUT's ConfinedCommand builds the whole line).
struct SandboxExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-exec",
        abstract: "Confine the rest of the command line (inside a case's sandbox).",
        shouldDisplay: false
    )

    @Option(name: .customLong("cgroup"), help: "A cgroup folder to join (repeatable).")
    var cgroups: [String] = []

    @Option(help: "The host uid (and gid) to run as.")
    var uid: UInt32?

    @Option(help: "CPU seconds per process.")
    var cpu: Int = 60

    @Option(help: "Largest file, in bytes.")
    var fileSize: Int = 64 << 20

    @Option(help: "Open files per process.")
    var openFiles: Int = 256

    @Option(help: "Tasks (processes and threads).")
    var tasks: Int = 128

    @Argument(parsing: .postTerminator, help: "The command to become.")
    var command: [String] = []

    func run() throws {
        var request = ConfinedExec.Request()
        request.cgroups = cgroups
        request.uid = uid
        request.cpuSeconds = cpu
        request.fileSizeBytes = fileSize
        request.openFiles = openFiles
        request.tasks = tasks
        request.command = command
        let error = ConfinedExec.run(request)
        FileHandle.standardError.write(Data("udpchat sandbox-exec: \(error.reason)\n".utf8))
        throw ExitCode(125)
    }
}
