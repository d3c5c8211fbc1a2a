import Foundation
import NIOConcurrencyHelpers

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

/// A running `udpchat` process with its standard input writable and its output collected.
final class CLIProcess: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let stdoutBox = NIOLockedValueBox("")
    private let stderrBox = NIOLockedValueBox("")
    private let done = NIOLockedValueBox<Int32?>(nil)
    /// How many of the two output pipes reached end of file.
    private let closedPipes = NIOLockedValueBox(0)
    let arguments: [String]

    /// Starts `udpchat ARGUMENTS…` (or another program, e.g. a fixture implementation).
    init(_ arguments: [String], executable: URL? = nil, workdir: String? = nil) throws {
        guard let binary = executable ?? udpchatBinary else { throw CLIUnavailable() }
        self.arguments = arguments
        process.executableURL = binary
        if let workdir { process.currentDirectoryURL = URL(fileURLWithPath: workdir) }
        process.arguments = arguments
        process.standardInput = input
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let done = self.done
        process.terminationHandler = { process in done.withLockedValue { $0 = process.terminationStatus } }
        try process.run()
        Self.collect(out.fileHandleForReading, into: stdoutBox, closed: closedPipes)
        Self.collect(err.fileHandleForReading, into: stderrBox, closed: closedPipes)
    }

    private static func collect(_ handle: FileHandle, into box: NIOLockedValueBox<String>, closed: NIOLockedValueBox<Int>) {
        let thread = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty {
                    closed.withLockedValue { $0 += 1 }
                    return
                }
                box.withLockedValue { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        thread.start()
    }

    var stdout: String { stdoutBox.withLockedValue { $0 } }
    var stderr: String { stderrBox.withLockedValue { $0 } }
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    var exitStatus: Int32? { done.withLockedValue { $0 } }

    /// Types one line on the process's standard input.
    func type(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Closes standard input (end of input: the client quits).
    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Waits until standard output has a line containing `text`; returns that line.
    @discardableResult
    func waitForLine(containing text: String, timeout: Duration = cliPatience) async throws -> String {
        let found = NIOLockedValueBox<String?>(nil)
        do {
            try await eventually("'\(text)'", timeout: timeout) {
                let line = self.lines.first { $0.contains(text) }
                found.withLockedValue { $0 = line }
                return line != nil
            }
        } catch {
            throw TestTimeout(what: "'\(text)' from udpchat \(arguments.joined(separator: " "))\nstdout:\n\(stdout)\nstderr:\n\(stderr)")
        }
        return found.withLockedValue { $0 }!
    }

    /// Waits for the process to exit; returns its status.
    @discardableResult
    func waitForExit(timeout: Duration = cliPatience) async throws -> Int32 {
        do {
            try await eventually("exit", timeout: timeout) {
                self.exitStatus != nil && self.closedPipes.withLockedValue { $0 } == 2
            }
        } catch {
            throw TestTimeout(what: "udpchat \(arguments.joined(separator: " ")) to exit\nstdout:\n\(stdout)\nstderr:\n\(stderr)")
        }
        return exitStatus!
    }

    /// Ends the process (SIGTERM) if it is still running.
    func stop() {
        if process.isRunning { process.terminate() }
        closeInput()
    }

    /// Runs `udpchat ARGUMENTS…` to completion (standard input closed).
    static func run(_ arguments: [String], timeout: Duration = cliPatience) async throws -> (status: Int32, stdout: String, stderr: String) {
        let p = try CLIProcess(arguments)
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
