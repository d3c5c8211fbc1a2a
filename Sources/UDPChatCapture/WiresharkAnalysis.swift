import UDPChatDialect
import UDPChatWire

/// `udpchat decode CAPTURE --wireshark FILE`: decode's analysis of a capture as a Lua table that
/// every generated dissector reads (`LuaDissector.analysisRuntime`), so Wireshark flags re-sends
/// and duplicates and links answers to requests exactly as `decode` does, in any dialect.
///
/// ```lua
/// return {
///   midsession = { frame = 2, note = "…" },
///   frames = {
///     [1] = { response = 2 },
///     [2] = { request = 1 },
///     [3] = { resend = 2 },
///   },
/// }
/// ```
/// Frames are numbered as in the file (decode it without `--filter`), as Wireshark numbers them.
extension DecodedCapture {
    public func wiresharkAnalysis(file: String) -> String {
        var out = "-- udpchat analysis of \(file), written by `udpchat decode --wireshark` (docs/CAPTURE.md):\n"
        out += "-- give it to the dissector with -o udpchat.analysis:THIS_FILE\nreturn {\n"
        if let midSession = exchanges.midSession {
            out += "  midsession = { frame = \(midSession.frame), note = \(LuaDissector.lua(midSession.note)) },\n"
        }
        out += "  frames = {\n"
        for entry in timeline {
            var fields: [String] = []
            switch entry.repetition {
            case .resend(let copy): fields.append("resend = \(copy)")
            case .duplicate(let copy): fields.append("duplicate = \(copy)")
            case nil: break
            }
            if let request = exchanges.request[entry.frame] { fields.append("request = \(request)") }
            if let response = exchanges.response[entry.frame] { fields.append("response = \(response)") }
            if exchanges.midSession?.frame == entry.frame, let note = exchanges.midSession?.note {
                fields.append("note = " + LuaDissector.lua(note))
            }
            if !fields.isEmpty { out += "    [\(entry.frame)] = { " + fields.joined(separator: ", ") + " },\n" }
        }
        return out + "  },\n}\n"
    }
}
