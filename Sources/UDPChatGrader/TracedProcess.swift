import UDPChatIUT
import UDPChatSupport

/// An implementation's process (the one launcher, `UDPChatIUT.IUTProcess`) whose console lines,
/// typed lines and exit go into a case's trace.
final class TracedProcess: Sendable {
    let process: IUTProcess
    let trace: Trace
    private let exitTime: ExitTime

    private init(process: IUTProcess, trace: Trace, exitTime: ExitTime) {
        self.process = process
        self.trace = trace
        self.exitTime = exitTime
    }

    /// Starts `command`; `UDPChatError.cannotStart` when it cannot be started. The trace shows
    /// `shown` (the manifest's command, without the sandbox's limit wrapper) when given.
    static func launch(_ command: [String], shown: [String]? = nil, workdir: String, env: [String: String], trace: Trace,
                       name: String = "iut") async throws(UDPChatError) -> TracedProcess {
        let exitTime = ExitTime()
        trace.note("starting: \((shown ?? command).joined(separator: " ")) (in \(workdir))")
        let process = try await IUTProcess.launch(command, workdir: workdir, env: env, name: name, onOutput: { stream, line in
            trace.append(stream == .stdout ? .stdout : .stderr, node: name, text: line)
        }, onExit: { exit in
            exitTime.set(trace.now())
            trace.note("\(name == "iut" ? "implementation" : name) exited with \(exit)")
        })
        return TracedProcess(process: process, trace: trace, exitTime: exitTime)
    }

    /// The exit status and the trace time of the exit, once the process has ended.
    var exited: (status: Int32, time: Duration)? {
        guard let exit = process.exited else { return nil }
        return (exit.status, exitTime.get() ?? trace.now())
    }

    var pid: Int32 { process.pid }

    /// Types one line on the implementation's standard input.
    func type(_ line: String) {
        trace.append(.stdin, node: process.name, text: line)
        process.type(line)
    }

    func stop() async { await process.stop() }

    private final class ExitTime: @unchecked Sendable {
        private let lock = NSLockBox()
        private var time: Duration?
        func set(_ value: Duration) { lock.withLock { time = value } }
        func get() -> Duration? { lock.withLock { time } }
    }
}
