import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A running implementation under test: a fresh process per case, its stdin a pipe for
/// actions, its stdout/stderr recorded line by line into the case's trace.
public final class IUTProcess: @unchecked Sendable {
    private let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let trace: Trace
    private let lock = NSLock()
    private var buffers: [TraceEvent.Kind: [UInt8]] = [:]
    private var exit: (status: Int32, time: Double)?
    public let commandLine: [String]
    /// The node name its console lines carry in the trace.
    public let name: String

    /// Starts `command` in `workdir` with `env` added to the grader's environment.
    /// Throws a readable error when the program cannot be started.
    public init(command: [String], workdir: String, env: [String: String], trace: Trace, name: String = "iut") throws {
        self.trace = trace
        self.name = name
        self.commandLine = command
        IUTProcess.ignoreSIGPIPE
        var program = command[0]
        if !program.contains("/") {
            guard let found = IUTProcess.which(program) else {
                throw GraderError("cannot start the implementation: '\(program)' is not on PATH")
            }
            program = found
        } else if !program.hasPrefix("/") {
            program = URL(fileURLWithPath: workdir).appendingPathComponent(program).standardized.path
        }
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: workdir)
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        for (key, value) in env { environment[key] = value }
        process.environment = environment
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.terminationHandler = { [weak self] proc in
            guard let self else { return }
            let time = trace.now()
            lock.lock()
            exit = (proc.terminationStatus, time)
            lock.unlock()
            trace.note("\(self.name == "iut" ? "implementation" : self.name) exited with status \(proc.terminationStatus)")
        }
        for (pipe, kind) in [(stdoutPipe, TraceEvent.Kind.stdout), (stderrPipe, .stderr)] {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self else { return }
                if data.isEmpty {
                    handle.readabilityHandler = nil
                    self.flush(kind, final: true)
                } else {
                    self.consume([UInt8](data), kind: kind)
                }
            }
        }
        trace.note("starting: \(command.joined(separator: " ")) (in \(workdir))")
        do {
            try process.run()
        } catch {
            throw GraderError("cannot start the implementation '\(program)': \(error.localizedDescription)")
        }
    }

    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    static func which(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private func consume(_ bytes: [UInt8], kind: TraceEvent.Kind) {
        lock.lock()
        buffers[kind, default: []].append(contentsOf: bytes)
        var lines: [String] = []
        while let newline = buffers[kind]!.firstIndex(of: 10) {
            var line = Array(buffers[kind]![..<newline])
            if line.last == 13 { line.removeLast() }
            lines.append(String(decoding: line, as: UTF8.self))
            buffers[kind]!.removeSubrange(...newline)
        }
        lock.unlock()
        for line in lines { trace.append(kind, node: name, text: line) }
    }

    private func flush(_ kind: TraceEvent.Kind, final: Bool) {
        lock.lock()
        let rest = buffers[kind] ?? []
        buffers[kind] = []
        lock.unlock()
        if !rest.isEmpty { trace.append(kind, node: name, text: String(decoding: rest, as: UTF8.self)) }
    }

    /// The exit status and time, once the process has ended.
    public var exited: (status: Int32, time: Double)? {
        lock.lock()
        defer { lock.unlock() }
        return exit
    }

    public var pid: Int32 { process.processIdentifier }

    /// Types one line on the implementation's standard input.
    public func type(_ line: String) {
        trace.append(.stdin, node: name, text: line)
        do {
            try stdinPipe.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            trace.note("could not type on stdin (\(error.localizedDescription)): the process has probably exited")
        }
    }

    /// Ends the process: SIGTERM, then SIGKILL if it has not gone after `grace` seconds.
    public func stop(grace: Double = 0.1) async {
        if exited == nil, process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = trace.now() + grace
            while exited == nil, trace.now() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            if exited == nil { kill(process.processIdentifier, SIGKILL) }
        }
        let deadline = trace.now() + 2
        while exited == nil, trace.now() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        try? stdinPipe.fileHandleForWriting.close()
        // Give the readers a moment to deliver the last lines.
        try? await Task.sleep(for: .milliseconds(20))
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        flush(.stdout, final: true)
        flush(.stderr, final: true)
    }
}

/// An error of the grader itself (exit code 2) or of starting the implementation (verdict ERROR).
public struct GraderError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
