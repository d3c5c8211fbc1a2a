// The contract's own malformed samples: every way its text grammar can be broken (PROTOCOL.md
// "Datagrams"), written by hand with the live ids, port and connection of the case, as the
// default dialect's answer to `malformedSamples(for:)`.
import UDPChatWire

extension Dialect {
    static func contractMalformed(for target: MalformedTarget) -> [MalformedVariant] {
        switch target {
        case .server(let owner, let ownerPort): contractMalformedForServer(owner: owner, ownerPort: ownerPort)
        case .client(let conn, let peer): contractMalformedForClient(conn: conn, peer: peer)
        }
    }

    /// To a server: from a stranger (as id 31, never registered) and from the registered `owner`.
    static func contractMalformedForServer(owner: ClientID, ownerPort: UInt16) -> [MalformedVariant] {
        let text: [(MalformedSender, String, String)] = [
            (.stranger, "", "empty datagram"),
            (.stranger, "HELLO 31", "unknown verb"),
            (.stranger, "register 31 5000", "lower-case verb"),
            (.stranger, "REGISTER 31", "too few fields"),
            (.stranger, "REGISTER 31 5000 9", "too many fields"),
            (.stranger, "REGISTER 031 5000", "leading zero"),
            (.stranger, "REGISTER 0 5000", "id zero"),
            (.stranger, "REGISTER 31 0", "port zero"),
            (.stranger, "REGISTER 2147483648 5000", "id out of range"),
            (.stranger, "REGISTER 31 65536", "port out of range"),
            (.stranger, "REGISTER +31 5000", "signed number"),
            (.stranger, "REGISTER  31 5000", "double space"),
            (.stranger, "REGISTER 31 5000 ", "trailing space"),
            (.stranger, "REGISTER 31\u{0}5000", "NUL byte"),
            (.stranger, "REGISTER 31 5000\n\n", "two trailing newlines"),
            (.stranger, "LOOKUP", "LOOKUP without id"),
            (.owner, "LEAVE 0\(owner)", "owner's LEAVE with a leading zero"),
            (.owner, "LEAVE \(owner) ", "owner's LEAVE with a trailing space"),
            (.owner, "REGISTER \(owner) 99999", "owner's REGISTER with port out of range"),
            (.owner, "REGISTER \(owner) \(ownerPort) x", "owner's REGISTER with an extra field"),
            (.owner, "LEAVE \(owner) \(owner)", "owner's LEAVE with an extra field"),
        ]
        var list = text.map { MalformedVariant(bytes: Array($0.1.utf8), why: $0.2, sender: $0.0) }
        list.append(MalformedVariant(bytes: Array("REGISTER 31 ".utf8) + [0xff, 0xfe, 0x35], why: "not UTF-8", sender: .stranger))
        list.append(MalformedVariant(bytes: [0xc3, 0x28, 0x20] + Array("\(owner)".utf8), why: "not UTF-8 from the owner", sender: .owner))
        list.append(MalformedVariant(bytes: Array(repeating: UInt8(ascii: "A"), count: 1300), why: "1300 bytes, over the 1200-byte limit", sender: .stranger))
        list.append(MalformedVariant(bytes: Array("LEAVE \(owner)".utf8) + Array(repeating: UInt8(ascii: " "), count: 1250),
                                     why: "owner's LEAVE padded over 1200 bytes", sender: .owner))
        return list
    }

    /// To a client: from its peer (on the live connection where it matters), then from the server.
    static func contractMalformedForClient(conn: ConnToken, peer: ClientID) -> [MalformedVariant] {
        let text: [(String, String)] = [
            ("", "empty datagram"),
            ("HELLO \(conn) \(peer)", "unknown verb"),
            ("msg \(conn) \(peer) 1 lower-case verb", "lower-case verb"),
            ("MSG \(conn) \(peer) 0 seq zero", "seq zero"),
            ("MSG \(conn) \(peer) 01 leading zero", "leading zero"),
            ("MSG \(conn) \(peer) 1", "MSG without text"),
            ("MSG \(conn) \(peer) 2147483648 seq out of range", "seq out of range"),
            ("MSG 4294967296 \(peer) 1 conn out of range", "conn out of range"),
            ("MSG \(conn) \(peer) 1 NUL\u{0}inside", "NUL in text"),
            ("MSG \(conn) \(peer) 1 " + String(repeating: "x", count: 1001), "text of 1001 bytes"),
            ("ACK \(conn) \(peer)", "ACK without seq"),
            ("TERMINATE \(conn)", "TERMINATE without id"),
            ("TERMINATE \(conn) \(peer) x", "TERMINATE with an extra field"),
            ("CONNECT -5 \(peer)", "signed conn"),
        ]
        var list = text.map { MalformedVariant(bytes: Array($0.0.utf8), why: $0.1, sender: .peer) }
        list.append(MalformedVariant(bytes: Array("MSG \(conn) \(peer) 1 ".utf8) + [0xff, 0xfe], why: "text not UTF-8", sender: .peer))
        list.append(MalformedVariant(bytes: Array(repeating: UInt8(ascii: "M"), count: 1300), why: "1300 bytes", sender: .peer))
        for (text, why) in [("REGISTERED 07 1", "leading zero"), ("LEFT", "LEFT without id"), ("PEER 42 nohost 5", "bad host")] {
            list.append(MalformedVariant(bytes: Array(text.utf8), why: why, sender: .server))
        }
        return list
    }
}
