import Foundation
import UDPChatImpairment
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// Reads the live proxy's trace (JSON lines, one per decision) back into `TraceRecord`s: the
/// lines of one datagram (same link and serial) become one record, like the simulator's.
enum LiveTrace {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func read(path: String, names: [Endpoint: String]) throws -> [TraceRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var records: [TraceRecord] = []
        var index: [String: Int] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw Failure(description: "\(path): a trace line is not a JSON object")
            }
            guard let link = object["link"] as? String, let serial = (object["serial"] as? NSNumber)?.uint64Value else { continue }
            let key = "\(link)#\(serial)"
            let lineTime = Instant(nanoseconds: Int64(((object["t"] as? NSNumber)?.doubleValue ?? 0) * 1e9))
            let noteNames = object["notes"] as? [String] ?? []
            var notes: DeliveryNotes = []
            for (name, note) in [("delayed", DeliveryNotes.delayed), ("duplicate", .duplicate), ("reordered", .reordered),
                                 ("corrupted", .corrupted), ("truncated", .truncated), ("queued", .queued)] where noteNames.contains(name) {
                notes.insert(note)
            }
            let delay = Duration.microseconds((object["delay_us"] as? NSNumber)?.int64Value ?? 0)
            // A copy held back by reorder is written when it is released: its line's time is then
            // (about) when it left, and delay_us counts from its arrival.
            let released = notes.contains(.reordered)
            let time = released ? lineTime - delay : lineTime
            if index[key] == nil {
                let direction = LinkDirection(rawValue: object["dir"] as? String ?? "up") ?? .up
                let source = Endpoint(parsing: object["src"] as? String ?? "") ?? Endpoint(host: "?", port: 1)
                let destination = Endpoint(parsing: object["dst"] as? String ?? "") ?? Endpoint(host: "?", port: 1)
                let record = TraceRecord(
                    time: time, proxy: link, direction: direction, flow: (object["flow"] as? NSNumber)?.uint64Value ?? 0,
                    serial: serial, source: source, destination: destination, from: names[source] ?? "?", to: names[destination] ?? "?",
                    size: (object["size"] as? NSNumber)?.intValue ?? 0, message: message(object["msg"] as? [String: Any]))
                index[key] = records.count
                records.append(record)
            }
            let position = index[key]!
            if records[position].time > time { records[position].time = time }
            let verdict = (object["verdict"] as? String).flatMap(TraceVerdict.init(rawValue:))
            let rule = object["rule"] as? String
            if let verdict, verdict == .dropped || verdict == .queueOverflow {
                records[position].drop(reason: object["reason"] as? String ?? verdict.rawValue, rule: rule)
            } else {
                records[position].addDelivery(at: released ? lineTime : lineTime + delay, notes: notes, rule: rule)
            }
        }
        return records.sorted { ($0.time, $0.proxy, $0.serial) < ($1.time, $1.proxy, $1.serial) }
    }

    /// The message described by a trace line's `msg`. The trace writes verb, conn, id, seq and
    /// port only: MSG's text is left empty, PEER's host is loopback, ERROR's code NOT_REGISTERED.
    static func message(_ fields: [String: Any]?) -> Message? {
        guard let fields, let verb = fields["verb"] as? String else { return nil }
        return Message(
            verb: verb, id: (fields["id"] as? NSNumber)?.uint32Value ?? 0, conn: (fields["conn"] as? NSNumber)?.uint32Value,
            seq: (fields["seq"] as? NSNumber)?.uint32Value, port: (fields["port"] as? NSNumber)?.uint16Value,
            host: "127.0.0.1", code: ErrorCode.notRegistered.rawValue
        )
    }
}
