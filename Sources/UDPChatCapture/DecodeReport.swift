// How `udpchat decode` shows a decoded capture: the human timeline and summary, or the same as JSON.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import UDPChatSupport
import UDPChatWire

extension DecodedCapture {
    /// The human timeline, one line per frame, then the summary (and the mid-session note).
    public func text() -> String {
        var lines: [String] = []
        for entry in timeline { lines.append(entry.line) }
        lines.append("")
        lines.append(contentsOf: summary.lines)
        if let midSession = exchanges.midSession { lines.append(midSession.note) }
        return lines.joined(separator: "\n")
    }

    /// The timeline and summary as JSON (stable key order); `file` and `error` (why reading stopped
    /// early, see `Capture.cut`) are added when given.
    public func json(file: String? = nil, error: String? = nil) -> String {
        let report = JSONReport(
            file: file, timeline: timeline.map(JSONEntry.init),
            summary: JSONSummary(summary), note: exchanges.midSession?.note, error: error)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension TimelineEntry {
    /// `#3  0.104512  127.0.0.1:50000 → 127.0.0.1:7070  MSG conn=7 id=1 seq=2 text="hi"  [re-send, copy 2]`
    public var line: String {
        let time = Self.seconds(relative)
        let route = source.map { "\($0) → \(destination.map(\.description) ?? "?")" } ?? "-"
        var text = "#\(frame)  \(time)  \(route)  "
        switch kind {
        case .chat(let message):
            text += message.verb.rawValue
            for field in message.namedFields {
                text += " \(field.name)=" + (field.name == "text" ? "\"\(Self.escaped(Array(field.value.utf8)))\"" : field.value)
            }
        case .malformed(let error):
            text += "MALFORMED (\(error.kind)): \(error)  \"\(Self.escaped(payload))\""
        case .nonChat:
            text += "non-chat UDP, \(payload.count) bytes  \"\(Self.escaped(payload))\""
        case .skipped(let reason):
            text += "skipped (\(reason))"
        }
        switch repetition {
        case .resend(let copy): text += "  [re-send, copy \(copy)]"
        case .duplicate(let copy): text += "  [duplicate, copy \(copy)]"
        case nil: break
        }
        return text
    }

    static func seconds(_ value: Double) -> String {
        let micros = Int((value * 1e6).rounded())
        let whole = micros / 1_000_000
        let fraction = String(abs(micros % 1_000_000)).leftPadded(6)
        return "\(whole).\(fraction)"
    }

    /// Printable ASCII as is, other bytes as `\xNN`, at most 60 bytes then `…`.
    static func escaped(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes.prefix(60) {
            switch byte {
            case 0x5C: text += "\\\\"
            case 0x22: text += "\\\""
            case 0x20..<0x7F: text.append(Character(Unicode.Scalar(byte)))
            default: text += "\\x" + String(byte, radix: 16).leftPadded(2)
            }
        }
        if bytes.count > 60 { text += "…" }
        return text
    }
}

extension DecodeSummary {
    /// The summary block printed after the timeline.
    public var lines: [String] {
        var lines = [
            "summary: \(counted(frames, "frame")): \(counted(chat, "chat message")), \(malformed) malformed, \(nonChat) non-chat UDP, \(skipped) skipped"
        ]
        let verbText = Verb.allCases.compactMap { verb in verbs[verb].map { "\(verb.rawValue) \($0)" } }
        lines.append("  verbs: " + (verbText.isEmpty ? "none" : verbText.joined(separator: ", ")))
        if !malformedKinds.isEmpty {
            lines.append("  malformed: " + malformedKinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        let byVerb = resendsByVerb.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("  re-sends: \(resends)" + (byVerb.isEmpty ? "" : " (\(byVerb))"))
        lines.append("  duplicates: \(duplicates)")
        if gaps.isEmpty {
            lines.append("  gaps: none")
        } else {
            for gap in gaps {
                let shown = gap.missing.prefix(20).map(String.init).joined(separator: ",")
                lines.append("  gap: conn \(gap.conn) id \(gap.sender) missing seq \(shown)\(gap.missing.count > 20 ? ",…" : "")")
            }
        }
        return lines
    }
}

struct JSONReport: Encodable {
    var file: String?
    var timeline: [JSONEntry]
    var summary: JSONSummary
    /// The mid-session note (`Exchanges.midSession`), when there is one.
    var note: String?
    var error: String?
}

struct JSONEntry: Encodable {
    var frame: Int
    var time: Double
    var relative: Double
    var source: String?
    var destination: String?
    var kind: String
    var verb: String?
    var fields: [String: String]?
    var error: String?
    var errorKind: String?
    var reason: String?
    var payload: String?
    var repetition: String?
    var copy: Int?

    init(_ entry: TimelineEntry) {
        frame = entry.frame
        time = entry.timestamp
        relative = entry.relative
        source = entry.source?.description
        destination = entry.destination?.description
        switch entry.kind {
        case .chat(let message):
            kind = "chat"
            verb = message.verb.rawValue
            fields = Dictionary(message.namedFields.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        case .malformed(let wireError):
            kind = "malformed"
            error = wireError.description
            errorKind = wireError.kind
            payload = TimelineEntry.escaped(entry.payload)
        case .nonChat:
            kind = "non-chat"
            payload = TimelineEntry.escaped(entry.payload)
        case .skipped(let text):
            kind = "skipped"
            reason = text
        }
        switch entry.repetition {
        case .resend(let number):
            repetition = "re-send"
            copy = number
        case .duplicate(let number):
            repetition = "duplicate"
            copy = number
        case nil: break
        }
    }
}

struct JSONSummary: Encodable {
    struct Gap: Encodable {
        var conn: UInt32
        var id: UInt32
        var missing: [UInt32]
    }

    var frames: Int
    var chat: Int
    var malformed: Int
    var nonChat: Int
    var skipped: Int
    var verbs: [String: Int]
    var malformedKinds: [String: Int]
    var resends: Int
    var resendsByVerb: [String: Int]
    var duplicates: Int
    var gaps: [Gap]

    init(_ summary: DecodeSummary) {
        frames = summary.frames
        chat = summary.chat
        malformed = summary.malformed
        nonChat = summary.nonChat
        skipped = summary.skipped
        verbs = Dictionary(uniqueKeysWithValues: summary.verbs.map { ($0.key.rawValue, $0.value) })
        malformedKinds = summary.malformedKinds
        resends = summary.resends
        resendsByVerb = summary.resendsByVerb
        duplicates = summary.duplicates
        gaps = summary.gaps.map { Gap(conn: $0.conn, id: $0.sender, missing: $0.missing) }
    }
}

/// "1 frame", "2 frames".
