import UDPChatCore
import UDPChatWire

/// Fills `{conn}` and `{NAME}` placeholders in a raw datagram.
public enum Placeholders {
    public static func expand(_ text: String, ids: [String: ClientID], conn: ConnToken?) -> String {
        guard text.containsBytes("{") else { return text }
        var out = text.replacing("{conn}", with: conn.map(String.init) ?? "1")
        for (name, id) in ids { out = out.replacing("{\(name)}", with: String(id)) }
        return out
    }
}

/// Synthetic console lines every backend shows the same way.
public enum ScriptLines {
    /// The line shown when a client closes its socket.
    public static func closed(_ exit: ClientExit) -> String {
        switch exit {
        case .left: "(socket closed: left)"
        case .refused(let code): "(socket closed: refused \(code.rawValue))"
        case .forced: "(socket closed: forced)"
        case .gaveUp: "(socket closed: gave up)"
        }
    }
}

extension String {
    /// Substring test on UTF-8 bytes (the stdlib's `contains` builds a searcher per call, which
    /// dominated the swarm's profile).
    @inlinable
    public func containsBytes(_ needle: String) -> Bool {
        let result = utf8.withContiguousStorageIfAvailable { hay in
            needle.utf8.withContiguousStorageIfAvailable { pattern -> Bool in
                let n = pattern.count
                if n == 0 { return true }
                if n > hay.count { return false }
                let first = pattern[0]
                var i = 0
                let last = hay.count - n
                while i <= last {
                    if hay[i] == first {
                        var j = 1
                        while j < n, hay[i + j] == pattern[j] { j += 1 }
                        if j == n { return true }
                    }
                    i += 1
                }
                return false
            }
        }
        if let found = result ?? nil { return found }
        return contains(needle)
    }
}
