/// One key press (or pasted text) at the terminal, decoded from raw-mode bytes.
public enum Key: Hashable, Sendable {
    case text(String)
    case enter, backspace, delete, tab
    case left, right, home, end, up, down, wordLeft, wordRight
    case killToStart, killToEnd, deleteWordBack
    case interrupt, endOfFile, clearScreen
}

/// Turns raw-mode terminal bytes into `Key`s. Incomplete input (half an escape sequence or of a
/// UTF-8 character, split across reads) is kept until the next `feed`.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []
    private var lastWasCR = false

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending += bytes
        var keys: [Key] = []
        var text: [UInt8] = []
        func flushText() {
            if !text.isEmpty { keys.append(.text(String(decoding: text, as: UTF8.self))); text.removeAll() }
        }
        var index = 0
        while index < pending.count {
            let byte = pending[index]
            let wasCR = lastWasCR
            lastWasCR = false
            if byte >= 0x20, byte != 0x7F {
                guard let length = Self.utf8Length(byte), index + length <= pending.count else {
                    if Self.utf8Length(byte) == nil { index += 1; continue }  // a stray continuation byte
                    break  // wait for the rest of the character
                }
                text += pending[index..<index + length]
                index += length
                continue
            }
            if byte == 0x1B {
                guard let (key, length) = Self.escape(pending[index...]) else { break }
                flushText()
                if let key { keys.append(key) }
                index += length
                continue
            }
            flushText()
            index += 1
            switch byte {
            case 0x0D: lastWasCR = true; keys.append(.enter)
            case 0x0A: if !wasCR { keys.append(.enter) }
            case 0x01: keys.append(.home)
            case 0x02: keys.append(.left)
            case 0x03: keys.append(.interrupt)
            case 0x04: keys.append(.endOfFile)
            case 0x05: keys.append(.end)
            case 0x06: keys.append(.right)
            case 0x08, 0x7F: keys.append(.backspace)
            case 0x09: keys.append(.tab)
            case 0x0B: keys.append(.killToEnd)
            case 0x0C: keys.append(.clearScreen)
            case 0x0E: keys.append(.down)
            case 0x10: keys.append(.up)
            case 0x15: keys.append(.killToStart)
            case 0x17: keys.append(.deleteWordBack)
            default: break  // other control keys do nothing
            }
        }
        flushText()
        pending.removeFirst(index)
        return keys
    }

    private static func utf8Length(_ lead: UInt8) -> Int? {
        switch lead {
        case 0x00..<0x80: 1
        case 0xC0..<0xE0: 2
        case 0xE0..<0xF0: 3
        case 0xF0..<0xF8: 4
        default: nil
        }
    }

    /// An escape sequence at the start of `bytes`: the key (nil: not one we use) and its length,
    /// or nil when more bytes are needed.
    private static func escape(_ bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
        let start = bytes.startIndex
        guard bytes.count >= 2 else { return nil }
        let second = bytes[start + 1]
        guard second == UInt8(ascii: "[") || second == UInt8(ascii: "O") else {
            switch second {  // Alt + key
            case UInt8(ascii: "b"): return (.wordLeft, 2)
            case UInt8(ascii: "f"): return (.wordRight, 2)
            case 0x7F, 0x08: return (.deleteWordBack, 2)
            default: return (nil, 1)  // a lone Esc (or an Alt we do not use): the next key stands
            }
        }
        // CSI / SS3: parameters 0x30…0x3F, then one final byte 0x40…0x7E.
        var index = start + 2
        while index < bytes.endIndex, (0x20...0x3F).contains(bytes[index]) { index += 1 }
        guard index < bytes.endIndex else { return nil }
        let final = bytes[index]
        let parameters = String(decoding: bytes[(start + 2)..<index], as: UTF8.self)
        let length = index - start + 1
        let ctrl = parameters.hasSuffix(";5") || parameters.hasSuffix(";3")
        switch (final, parameters) {
        case (UInt8(ascii: "A"), _): return (.up, length)
        case (UInt8(ascii: "B"), _): return (.down, length)
        case (UInt8(ascii: "C"), _): return (ctrl ? .wordRight : .right, length)
        case (UInt8(ascii: "D"), _): return (ctrl ? .wordLeft : .left, length)
        case (UInt8(ascii: "H"), _): return (.home, length)
        case (UInt8(ascii: "F"), _): return (.end, length)
        case (UInt8(ascii: "~"), "1"), (UInt8(ascii: "~"), "7"): return (.home, length)
        case (UInt8(ascii: "~"), "4"), (UInt8(ascii: "~"), "8"): return (.end, length)
        case (UInt8(ascii: "~"), "3"): return (.delete, length)
        default: return (nil, length)
        }
    }
}
