import Foundation
import UDPChatIUT
#if canImport(Glibc)
import Glibc
#endif

/// The built `udpchat` executable, next to the test bundle in the build products directory
/// (or `.build/debug/udpchat` from the package root); nil if it has not been built.
let udpchatBinary: URL? = {
    var candidates: [URL] = []
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("udpchat"))
    if let first = CommandLine.arguments.first {
        candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("udpchat"))
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".build/debug/udpchat"))
    let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    if found == nil {
        print("CLI tests skipped: no built udpchat binary at \(candidates.map(\.path).joined(separator: ", ")) (run `swift build`)")
    }
    return found
}()

/// A running `udpchat` process with its standard input writable and its output collected:
/// the project's one launcher (`UDPChatIUT.IUTProcess`) plus the waits the tests use.
final class CLIProcess: Sendable {
    let process: IUTProcess
    let arguments: [String]

    private init(process: IUTProcess, arguments: [String]) {
        self.process = process
        self.arguments = arguments
    }

    /// Starts `udpchat ARGUMENTS…` (or another program, e.g. a fixture implementation), with
    /// `environment` added to this process's environment.
    static func start(_ arguments: [String], environment: [String: String] = [:], executable: URL? = nil,
                      workdir: String? = nil) async throws -> CLIProcess {
        guard let binary = executable ?? udpchatBinary else { throw CLIUnavailable() }
        let process = try await IUTProcess.launch([binary.path] + arguments, workdir: workdir ?? FileManager.default.currentDirectoryPath,
                                                  env: environment, name: binary.lastPathComponent)
        return CLIProcess(process: process, arguments: arguments)
    }

    var stdout: String { process.lines(.stdout).map { $0 + "\n" }.joined() }
    var stderr: String { process.lines(.stderr).map { $0 + "\n" }.joined() }
    var lines: [String] { process.lines(.stdout).filter { !$0.isEmpty } }
    var exitStatus: Int32? { process.exited?.status }

    /// Types one line on the process's standard input.
    func type(_ line: String) { process.type(line) }

    /// Closes standard input (end of input: the client quits).
    func closeInput() { process.closeInput() }

    /// Waits until standard output has a line containing `text`; returns that line.
    @discardableResult
    func waitForLine(containing text: String, timeout: Duration = cliPatience) async throws -> String {
        guard let line = await process.waitForLine(containing: text, timeout: timeout) else {
            throw TestTimeout(what: "'\(text)' from udpchat \(arguments.joined(separator: " "))\nstdout:\n\(stdout)\nstderr:\n\(stderr)")
        }
        return line
    }

    /// Waits for the process to exit (and its output to be read); returns its status.
    @discardableResult
    func waitForExit(timeout: Duration = cliPatience) async throws -> Int32 {
        guard let exit = await process.waitForExit(timeout: timeout) else {
            throw TestTimeout(what: "udpchat \(arguments.joined(separator: " ")) to exit\nstdout:\n\(stdout)\nstderr:\n\(stderr)")
        }
        return exit.status
    }

    /// Sends SIGINT, as Ctrl-C at a terminal does.
    func interrupt() {
        if process.exited == nil { kill(process.pid, SIGINT) }
    }

    /// Ends the process and its group (SIGTERM) if it is still running.
    func stop() {
        process.signalGroup(SIGTERM)
        closeInput()
    }

    /// Runs `udpchat ARGUMENTS…` to completion (standard input closed).
    static func run(
        _ arguments: [String], environment: [String: String] = [:], timeout: Duration = cliPatience
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let p = try await CLIProcess.start(arguments, environment: environment)
        p.closeInput()
        defer { p.stop() }
        let status = try await p.waitForExit(timeout: timeout)
        return (status, p.stdout, p.stderr)
    }
}

/// Process start-up on a loaded machine can take seconds: be generous, never tight.
let cliPatience: Duration = .seconds(60)

struct CLIUnavailable: Error, CustomStringConvertible {
    var description: String { "no built udpchat binary" }
}
