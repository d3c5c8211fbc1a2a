// `udpchat dialect infer MANIFEST…`, live: runs InferSessionCase on a whole submission through the
// grader's own case runner (the case's sandbox, or the host with `--isolation none`), then turns its
// trace into what the offline inference reads: the datagrams on the wire, the consoles, the values.
import Foundation
import UDPChatDialect
import UDPChatIUT
import UDPChatSupport
import UDPChatWire

/// A session the harness drove and recorded, ready for `DialectInference.infer`.
public struct LiveRecording: Sendable {
    /// Every datagram between the parties, in the order the capture saw them (times from the session's start).
    public var datagrams: [InferDatagram]
    public var values: InferValues
    /// The clients' console lines.
    public var console: String
    /// The submission's server, on the case's loopback (nil when it never came up).
    public var server: Endpoint?
    /// What the session did, one line per step, with its time in the session.
    public var steps: [(time: Duration, text: String)]
    /// Why the session ended before its last step (the case's verdict was not PASS), if it did.
    public var stopped: String?
    /// Why the session could not run at all (a program that cannot be started, no sandbox): `dialect infer` exits 2.
    public var cannotRun: String?
    public var duration: Duration
    /// The RTO the programs ran at, and why.
    public var rto: Duration
    public var rtoNote: String
    /// The whole trace, for `--trace`.
    public var events: [TraceEvent]
}

public enum LiveInference {
    /// The client manifest's input actions the session cannot do without: connect (LOOKUP, CONNECT) and send (MSG).
    public static let neededActions = ["connect", "send"]
    /// The ones it uses when present, with what the session lacks without each.
    public static let optionalActions: [(action: String, without: String)] = [
        ("accept", "nothing is typed when client-2 is asked to connect: ACCEPT only if it accepts by itself"),
        ("reject", "no connection is refused: no REJECT"),
        ("terminate", "the connection is not ended: no TERMINATE, TERMINATED"),
        ("quit", "the clients do not leave: no LEAVE, LEFT"),
    ]

    /// Drives and records one session of `whole` at `rto` (when its client takes {rto}), in a fresh
    /// sandbox when `sandbox` is given. The manifests' `dialect:` is not used.
    public static func record(_ whole: WholeSubmission, rto requested: Duration, sandbox: SandboxPlan?,
                              control: GradeControl = GradeControl()) async -> LiveRecording {
        var server = whole.server, client = whole.client
        (server.dialectPath, server.dialectText, client.dialectPath, client.dialectText) = (nil, nil, nil, nil)
        let (rto, note) = Grader.effectiveRTO(manifest: client, requested: requested)
        if let why = [server, client].lazy.compactMap(Grader.cannotStart).first {
            return LiveRecording(datagrams: [], values: InferValues(), console: "", server: nil, steps: [], stopped: nil, cannotRun: why,
                                 duration: .zero, rto: rto, rtoNote: note, events: [])
        }
        let run = RunControl(control, sandbox: sandbox)
        let result = await Grader.runCase(InferSessionCase.item, subject: GradeSubject(server, partner: client, name: whole.name), rto: rto,
                                          repeatCount: 1, artifacts: nil, control: run)
        var recording = recording(from: result.events, rto: rto, note: note)
        recording.duration = result.duration
        recording.cannotRun = run.setupError
        if result.verdict != .pass { recording.stopped = "\(result.verdict.rawValue): \(result.detail)" }
        return recording
    }

    /// The datagrams, consoles, values and steps a session's trace holds.
    static func recording(from events: [TraceEvent], rto: Duration, note: String) -> LiveRecording {
        let valuesNote = events.last { $0.kind == .note && $0.tag == InferSessionCase.valuesTag }
        let chosen = valuesNote.flatMap { try? JSONDecoder().decode(InferSessionValues.self, from: Data($0.text.utf8)) }
        var datagrams: [InferDatagram] = []
        for event in events where event.kind == .sent || event.kind == .received {
            guard let bytes = event.bytes, let remote = event.remote.flatMap(Endpoint.init(parsing:)),
                  let local = event.local.flatMap(Endpoint.init(parsing:)) else { continue }
            let (from, to) = event.kind == .received ? (remote, local) : (local, remote)
            datagrams.append(InferDatagram(time: event.time.seconds, from: from, to: to, bytes: bytes))
        }
        let console = events.filter { $0.kind == .stdout && $0.node.hasPrefix("client-") }.map(\.text).joined(separator: "\n")
        let steps = events.filter { $0.kind == .note && ($0.tag == InferSessionCase.stepTag || $0.tag == "verdict") }.map { ($0.time, $0.text) }
        return LiveRecording(
            datagrams: datagrams,
            values: InferValues(ids: chosen?.ids ?? [], ports: chosen?.ports ?? [], texts: chosen?.texts ?? []),
            console: console, server: chosen.map { Endpoint(host: "127.0.0.1", port: $0.server) }, steps: steps, stopped: nil, cannotRun: nil,
            duration: events.last?.time ?? .zero, rto: rto, rtoNote: note, events: events)
    }
}
