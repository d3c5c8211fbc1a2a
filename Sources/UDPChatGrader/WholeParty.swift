// One program of a whole-submission case (its server, or one of its clients): the process, the
// values the harness filled in, and the UDP sockets it holds, learned from /proc as it runs.
import UDPChatIUT
import UDPChatHost
import UDPChatSupport
import UDPChatWire

public final class WholeParty: @unchecked Sendable {
    /// `server`, `client-1`, `client-2` …: its console lines and datagrams carry this name in the trace.
    public let name: String
    /// The `{id}` the harness chose (clients).
    public let id: ClientID?
    /// The `{port}` the harness chose, when the command takes it (the server's port, pinned or not).
    public let givenPort: UInt16?
    let process: TracedProcess
    private let lock = NSLockBox()
    private var sockets: [UInt64: UInt16] = [:]
    private var seenPorts: Set<UInt16> = []

    init(name: String, id: ClientID?, givenPort: UInt16?, process: TracedProcess) {
        self.name = name
        self.id = id
        self.givenPort = givenPort
        self.process = process
    }

    /// Every port it is known to use: the given one, its sockets seen so far, and source ports the
    /// wire attributed to it.
    public var ports: Set<UInt16> {
        lock.withLock { Set(sockets.values).union(seenPorts).union(givenPort.map { [$0] } ?? []) }
    }

    /// The exit status and its trace time, once the process has ended.
    public var exited: (status: Int32, time: Duration)? { process.exited }

    /// Reads which UDP sockets its processes hold now (socket inodes in /proc/PID/fd matched with
    /// /proc/net/udp) and remembers them. Returns the ports of those open now.
    @discardableResult
    func refreshSockets() -> Set<UInt16> {
        let inodes = ProcessTable.socketInodes(of: process.pid)
        let rows = UDPSocketTable.read() ?? []
        let open = rows.filter { inodes.contains($0.inode) }
        lock.withLock { for row in open { sockets[row.inode] = row.port } }
        return Set(open.map(\.port))
    }

    /// A source port the wire showed it sending from.
    func attribute(port: UInt16) { _ = lock.withLock { seenPorts.insert(port) } }

    /// Whether its sockets are still open: every socket it was seen holding is checked by inode in
    /// /proc/net/udp (a new socket on the same port is not the same socket); with none learned, its
    /// given port is checked. Nil when nothing can tell.
    func socketsOpen() -> Bool? {
        let known = lock.withLock { Set(sockets.keys) }
        guard let rows = UDPSocketTable.read() else { return nil }
        if !known.isEmpty { return rows.contains { known.contains($0.inode) } }
        if let givenPort { return rows.contains { $0.port == givenPort } }
        return nil
    }

    /// Whether any socket of it was ever learned from /proc (else only the given port can be watched).
    var knowsSockets: Bool { lock.withLock { !sockets.isEmpty } }
}
