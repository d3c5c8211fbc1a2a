// W-PORT-GIVEN: the server tells a client where another joined client can be reached (assignment items 2
// and 3: the client sends its port number to the server, and the server answers a lookup with it;
// PROTOCOL.md SRV-7). Judged with no wire format: the other client's port is looked for, as text and as
// 16- or 32-bit binary either way round, in what the server sent the asker (a lookup's answer, or a
// table it pushes to every client).
import UDPChatSupport

extension WholeCases {
    static let portGiven = whole("W-PORT-GIVEN", judges: [.server], title: "the server gives a client the port of another joined client (in a lookup's answer after connect, or in a table it sends), as text or binary (assignment items 2 and 3)") { w in
        let pair = try await joined(w, 2)
        let (caller, callee, server) = (pair[0], pair[1], w.serverPort)
        if w.has("connect") {
            // The lookup (or a relayed design's request) and its answer, when one comes.
            let typed = w.trace.now()
            try w.type("connect", on: caller, peer: callee)
            if let lookup = try await waitForRequest(w, from: caller, after: typed) {
                _ = try await w.waitForAnswer(to: caller, after: lookup.time, within: w.patience)
            }
        }
        try await w.waitForWireSettled(within: w.patience)
        let ports = callee.ports.sorted()
        guard !ports.isEmpty else { throw unknownPort(callee) }
        let told = w.wire.datagrams.filter { $0.source == server && caller.ports.contains($0.destination) }
        if let giving = told.first(where: { datagram in ports.contains { carries(datagram.payload, port: $0) } }) {
            w.trace.note("the server gave \(caller.name) \(callee.name)'s port: '\(escapeDatagram(giving.payload).prefix(80))'")
            return
        }
        let shown = told.suffix(4).map { "'\(escapeDatagram($0.payload).prefix(60))'" }.joined(separator: ", ")
        throw CaseStop.fail("with \(callee.name) joined from port \(portList(callee))\(w.has("connect") ? " and \(caller.name) having typed connect" : ""), "
            + "nothing the server sent \(caller.name) (\(told.count) datagram\(told.count == 1 ? "" : "s")\(shown.isEmpty ? "" : ", the last: " + shown)) carries that port, "
            + "as text or as 16- or 32-bit binary: the server answers a lookup with the port of the client looked up")
    }

    /// Whether `payload` holds `port` as decimal text (not inside a longer number) or as a 16- or 32-bit
    /// integer, big- or little-endian.
    static func carries(_ payload: [UInt8], port: UInt16) -> Bool {
        let (high, low) = (UInt8(port >> 8), UInt8(port & 0xff))
        return WholeContext.occurs(Array(String(port).utf8), in: payload, unless: WholeContext.isDigit)
            || payload.firstRange(of: [high, low]) != nil || payload.firstRange(of: [low, high]) != nil
    }
}
