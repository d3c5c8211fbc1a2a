import Foundation
import Subprocess
import UDPChatSupport
#if canImport(System)
import System
#else
import SystemPackage
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Which console stream a line came from.
public enum ConsoleStream: String, Sendable, Codable {
    case stdout, stderr
}

/// How a process ended: its exit code, or the signal that killed it.
public struct ProcessExit: Sendable, Equatable, CustomStringConvertible {
    /// The exit code, or the signal number when a signal ended the process (as `Foundation.Process` reports it).
    public var status: Int32
    /// The signal that ended the process, if one did.
    public var signal: Int32?

    public init(status: Int32, signal: Int32? = nil) {
        self.status = status
        self.signal = signal
    }

    public var description: String { signal.map { "killed by signal \($0)" } ?? "exit status \(status)" }
}

extension UDPChatError.Code {
    /// A program that could not be started (not found, not executable, missing folder): a setup error.
    public static let cannotStart = Self(IUTCodes.cannotStart)
}

extension UDPChatError {
    public static func cannotStart(_ program: String, _ reason: String) -> Self {
        Self(.cannotStart, "cannot start the implementation '\(program)': \(reason)")
    }
}

/// A running program under test — the one launcher of udpchat (grader cases, live scenarios, interop,
/// the bench's server child, the CLI tests), built on swift-subprocess.
///
/// The program runs in a process group of its own (`processGroupID = 0`); `stop()` and a cancelled
/// launch (swift-subprocess's `teardownSequence`) signal the whole group, so everything it started
/// dies with it. Its standard input takes typed lines; its standard output and error are captured
/// line by line, kept, and handed to `onOutput` as they arrive.
public final class IUTProcess: Sendable {
    public let name: String
    public let commandLine: [String]
    /// The process id, which is also its process-group id.
    public let pid: Int32
    private let state: State
    private let input: AsyncStream<[UInt8]?>.Continuation
    private let runner: Task<Void, Never>

    private init(name: String, commandLine: [String], pid: Int32, state: State,
                 input: AsyncStream<[UInt8]?>.Continuation, runner: Task<Void, Never>) {
        self.name = name
        self.commandLine = commandLine
        self.pid = pid
        self.state = state
        self.input = input
        self.runner = runner
    }

    /// How long `stop()` waits after SIGTERM before SIGKILL (and the teardown of a cancelled launch).
    public static let defaultGrace: Duration = .milliseconds(100)

    /// How much of a program's output is kept and read, per stream: whatever a program prints, the
    /// launcher's memory and CPU stay bounded.
    public struct OutputBudget: Sendable {
        /// Bytes kept and handed to `onOutput`; past them lines are dropped, with one line saying so.
        public var keptBytes: Int
        /// Bytes read at all; past them the stream is no longer read (the program blocks on its next write).
        public var readBytes: Int

        public init(keptBytes: Int, readBytes: Int) {
            self.keptBytes = keptBytes
            self.readBytes = readBytes
        }

        /// An implementation under test: 1 MiB kept, 16 MiB read, per stream.
        public static let implementation = OutputBudget(keptBytes: 1 << 20, readBytes: 16 << 20)
        /// udpchat's own worker, whose output is its result.
        public static let trusted = OutputBudget(keptBytes: 1 << 30, readBytes: 1 << 30)
    }

    /// Starts `command` in `workdir` with `env` added to this process's environment.
    /// A bare program name is looked up on PATH; a relative path resolves against `workdir`.
    /// Throws `UDPChatError.cannotStart` when the program cannot be started. Output past a line
    /// longer than `maxLineLength` bytes, or past `budget`, is not read.
    public static func launch(
        _ command: [String], workdir: String, env: [String: String] = [:], name: String = "iut", maxLineLength: Int = 1 << 20,
        budget: OutputBudget = .implementation,
        onOutput: @escaping @Sendable (ConsoleStream, String) -> Void = { _, _ in },
        onExit: @escaping @Sendable (ProcessExit) -> Void = { _ in }
    ) async throws(UDPChatError) -> IUTProcess {
        _ = ignoreSIGPIPE
        guard let first = command.first else { throw .cannotStart("", "the command is empty") }
        let program = try resolve(first, workdir: workdir)
        var environment: [Environment.Key: String?] = ["PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"]
        for (key, value) in env { environment[Environment.Key(stringLiteral: key)] = value }
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: defaultGrace)]
        let configuration = Configuration(
            executable: .path(FilePath(program)), arguments: Arguments(Array(command.dropFirst())),
            environment: .inherit.updating(environment), workingDirectory: FilePath(workdir), platformOptions: options)

        let state = State(budget: budget)
        let (lines, input) = AsyncStream<[UInt8]?>.makeStream()
        let started = StartSignal()
        let runner = Task {
            await run(configuration, lines: lines, state: state, started: started, maxLineLength: maxLineLength, onOutput: onOutput)
            // Whatever the program left in its group (children whose parent exited) goes too.
            if let pid = started.pid { kill(-pid, SIGKILL) }
            if let exit = state.exit { onExit(exit) }
            input.finish()
        }
        switch await started.wait() {
        case .success(let pid):
            return IUTProcess(name: name, commandLine: command, pid: pid, state: state, input: input, runner: runner)
        case .failure(let error):
            throw .cannotStart(first, error.reason)
        }
    }

    private static func run(_ configuration: Configuration, lines: AsyncStream<[UInt8]?>, state: State, started: StartSignal,
                            maxLineLength: Int, onOutput: @escaping @Sendable (ConsoleStream, String) -> Void) async {
        do {
            let result = try await Subprocess.run(configuration, input: .inputWriter, output: .sequence, error: .sequence) { execution in
                started.succeed(execution.processIdentifier.value)
                await withTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        let writer = execution.standardInputWriter
                        for await chunk in lines {
                            guard let chunk else { break }
                            if (try? await writer.write(chunk)) == nil { break }
                        }
                        try? await writer.finish()
                        return false
                    }
                    for stream in [ConsoleStream.stdout, .stderr] {
                        group.addTask {
                            let sequence = stream == .stdout ? execution.standardOutput : execution.standardError
                            do {
                                for try await line in sequence.strings(bufferingPolicy: .maxLineLength(maxLineLength)) {
                                    switch state.append(stream, line) {
                                    case .kept: onOutput(stream, line)
                                    case .overflowed(let note): onOutput(stream, note)
                                    case .dropped: break
                                    case .stopReading: return true
                                    }
                                }
                            } catch {}
                            return true
                        }
                    }
                    var outputsDone = 0
                    while let isOutput = await group.next() {
                        if isOutput { outputsDone += 1 }
                        if outputsDone == 2 { group.cancelAll() }
                    }
                }
            }
            switch result.terminationStatus {
            case .exited(let code): state.finish(ProcessExit(status: code))
            case .signaled(let signal): state.finish(ProcessExit(status: signal, signal: signal))
            }
        } catch {
            if !started.fail(String(describing: error)) { state.finish(ProcessExit(status: -1)) }
        }
    }

    /// The executable `program` names: a bare name on PATH, a relative path against `workdir`.
    /// Throws `cannotStart` when there is none, or when `workdir` is not a folder.
    public static func resolve(_ program: String, workdir: String) throws(UDPChatError) -> String {
        guard !program.isEmpty else { throw .cannotStart(program, "the program name is empty") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workdir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .cannotStart(program, "its workdir \(workdir) is not a folder")
        }
        var path = program
        if !path.contains("/") {
            guard let found = which(path) else { throw .cannotStart(program, "'\(program)' is not on PATH") }
            path = found
        } else if !path.hasPrefix("/") {
            path = URL(fileURLWithPath: workdir).appendingPathComponent(path).standardized.path
        }
        guard FileManager.default.isExecutableFile(atPath: path) else { throw .cannotStart(program, "\(path) is not an executable file") }
        return path
    }

    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// The full path of `program` on PATH, if any.
    public static func which(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    // MARK: using it

    /// How it ended, once it has (and its output has been read to the end).
    public var exited: ProcessExit? { state.exit }

    /// Every line it printed so far on `stream`.
    public func lines(_ stream: ConsoleStream = .stdout) -> [String] { state.lines(stream) }

    /// Types one line on its standard input.
    public func type(_ line: String) {
        input.yield(Array((line + "\n").utf8))
    }

    /// Closes its standard input (end of input).
    public func closeInput() {
        input.yield(nil)
    }

    /// Waits until it has printed a line containing `text` on `stream`; nil when it exits first or `timeout` passes.
    public func waitForLine(containing text: String, on stream: ConsoleStream = .stdout, timeout: Duration) async -> String? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if let line = state.lines(stream).first(where: { $0.contains(text) }) { return line }
            if state.exit != nil || clock.now >= deadline || Task.isCancelled { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits for it to exit by itself; nil when `timeout` passes first.
    @discardableResult
    public func waitForExit(timeout: Duration) async -> ProcessExit? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while state.exit == nil, clock.now < deadline, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
        return state.exit
    }

    /// Ends it and everything in its process group: SIGTERM, then SIGKILL after `grace`.
    /// Returns once it has been reaped and its output read.
    public func stop(grace: Duration = IUTProcess.defaultGrace) async {
        if state.exit == nil {
            kill(-pid, SIGTERM)
            if await waitForExit(timeout: grace) == nil { kill(-pid, SIGKILL) }
        }
        closeInput()
        if await waitForExit(timeout: .seconds(5)) == nil { runner.cancel() }
        await runner.value
    }

    /// Sends `signal` to its whole process group.
    public func signalGroup(_ signal: Int32) {
        if state.exit == nil { kill(-pid, signal) }
    }

    // MARK: state

    private final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var output: [ConsoleStream: [String]] = [:]
        private var read: [ConsoleStream: Int] = [:]
        private var ended: ProcessExit?
        private let budget: OutputBudget

        init(budget: OutputBudget) { self.budget = budget }

        enum Appended { case kept, overflowed(String), dropped, stopReading }

        /// Keeps `line` while the stream is within its budget; says when the budget is passed.
        func append(_ stream: ConsoleStream, _ line: String) -> Appended {
            lock.lock()
            defer { lock.unlock() }
            let before = read[stream, default: 0]
            let after = before + line.utf8.count + 1
            read[stream] = after
            if before > budget.readBytes { return .stopReading }
            if after <= budget.keptBytes {
                output[stream, default: []].append(line)
                return .kept
            }
            if before <= budget.keptBytes {
                let note = "[udpchat: \(stream.rawValue) past \(Limits.formatBytes(budget.keptBytes)) is not kept; reading stops at \(Limits.formatBytes(budget.readBytes))]"
                output[stream, default: []].append(note)
                return .overflowed(note)
            }
            return .dropped
        }

        func lines(_ stream: ConsoleStream) -> [String] {
            lock.lock()
            defer { lock.unlock() }
            return output[stream] ?? []
        }

        func finish(_ exit: ProcessExit) {
            lock.lock()
            ended = exit
            lock.unlock()
        }

        var exit: ProcessExit? {
            lock.lock()
            defer { lock.unlock() }
            return ended
        }
    }

    /// The launch's outcome, handed once from the running task to `launch`.
    private final class StartSignal: @unchecked Sendable {
        private let lock = NSLock()
        private var outcome: Result<Int32, UDPChatError>?
        private var waiter: CheckedContinuation<Result<Int32, UDPChatError>, Never>?

        var pid: Int32? {
            lock.lock()
            defer { lock.unlock() }
            if case .success(let pid) = outcome { return pid }
            return nil
        }

        func succeed(_ pid: Int32) { _ = settle(.success(pid)) }

        /// False when the launch had already succeeded (the failure came later).
        func fail(_ reason: String) -> Bool { settle(.failure(UDPChatError(.cannotStart, reason))) }

        private func settle(_ result: Result<Int32, UDPChatError>) -> Bool {
            lock.lock()
            guard outcome == nil else {
                lock.unlock()
                return false
            }
            outcome = result
            let waiter = self.waiter
            self.waiter = nil
            lock.unlock()
            waiter?.resume(returning: result)
            return true
        }

        func wait() async -> Result<Int32, UDPChatError> {
            await withCheckedContinuation { continuation in
                lock.lock()
                if let outcome {
                    lock.unlock()
                    continuation.resume(returning: outcome)
                } else {
                    waiter = continuation
                    lock.unlock()
                }
            }
        }
    }
}
