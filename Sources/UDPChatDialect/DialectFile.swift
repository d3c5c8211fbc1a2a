// Reading a dialect file (YAML) into a Dialect, with every problem reported at its line.
import UDPChatSupport
import UDPChatWire
internal import Yams

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One problem in a dialect file, at its line.
public struct DialectIssue: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// Every problem found in a dialect file (`file:line: message`, one per line).
public struct DialectFileError: Error, Sendable, CustomStringConvertible {
    public var issues: [DialectIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

extension Dialect {
    /// The keys a dialect file may have (docs/DIALECTS.md documents each).
    public static let keys = ["dialect", "format", "terminator", "peer-source", "case-insensitive", "error-codes", "max-datagram", "ids", "messages"]

    /// Loads `default` (the built-in contract dialect) or a dialect file.
    public static func load(_ nameOrPath: String) throws -> Dialect {
        if nameOrPath == "default" { return .default }
        guard let text = readFile(nameOrPath) else { throw UDPChatError.file(nameOrPath, "cannot read the dialect file") }
        return try parse(yaml: text, file: nameOrPath)
    }

    /// Loads a manifest's `dialect:` value: `default`, an absolute path, or a path relative to the
    /// manifest's folder (PROTOCOL.md, "The implementation-under-test manifest").
    public static func load(_ nameOrPath: String, relativeTo folder: String) throws -> Dialect {
        if nameOrPath == "default" || nameOrPath.hasPrefix("/") { return try load(nameOrPath) }
        return try load(folder.hasSuffix("/") ? folder + nameOrPath : folder + "/" + nameOrPath)
    }

    static func readFile(_ path: String) -> String? {
        guard let handle = fopen(path, "rb") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, handle)
            if count <= 0 { break }
            bytes += buffer[0..<count]
            if bytes.count > 1 << 20 { return nil }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Parses a dialect file's text; throws `DialectFileError` listing every problem with its line.
    public static func parse(yaml text: String, file: String = "<dialect>") throws(DialectFileError) -> Dialect {
        var issues: [DialectIssue] = []
        func issue(_ node: Node?, _ message: String) {
            issues.append(DialectIssue(file: file, line: node?.mark?.line ?? 1, message: message))
        }
        let root = try compose(text, file: file)
        guard let mapping = root.mapping else { throw DialectFileError(issues: [DialectIssue(file: file, line: 1, message: "a dialect file is a mapping of keys")]) }

        var name = "unnamed"
        var format = Format.text
        var terminator = Terminator.none
        var peerSource = PeerSource.registered
        var caseInsensitive = false
        var errorCodes: [ErrorCode: String] = [:]
        var maxDatagram = WireLimits.maxDatagram
        var ids = IDs.clientChosen
        var messagesNode: Node?
        var messagesKey: Node?

        func choice<T: RawRepresentable & CaseIterable>(_ value: Node, _ key: String, _: T.Type) -> T? where T.RawValue == String {
            if let scalar = value.scalar?.string, let result = T(rawValue: scalar) { return result }
            issue(value, "\(key) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "dialect":
                if let text = value.scalar?.string, !text.isEmpty { name = text } else { issue(value, "dialect: the name must be a string") }
            case "format": format = choice(value, key, Format.self) ?? format
            case "terminator": terminator = choice(value, key, Terminator.self) ?? terminator
            case "peer-source": peerSource = choice(value, key, PeerSource.self) ?? peerSource
            case "ids": ids = choice(value, key, IDs.self) ?? ids
            case "case-insensitive":
                if let flag = value.bool { caseInsensitive = flag } else { issue(value, "case-insensitive must be true or false") }
            case "max-datagram":
                if let size = value.int, (1...65507).contains(size) { maxDatagram = size } else { issue(value, "max-datagram must be 1 … 65507") }
            case "error-codes":
                errorCodes = Self.errorCodes(value, issue: issue)
            case "messages":
                messagesNode = value
                messagesKey = keyNode
            default:
                issue(keyNode, "unknown key '\(key)' (keys: \(keys.joined(separator: ", ")))")
            }
        }
        var forms: [Verb: [Template]] = [:]
        if let messages = messagesNode?.mapping {
            forms = Dialect.forms(messages, format: format, ids: ids, issue: issue)
            if forms.isEmpty, issues.isEmpty { issue(messagesNode, "messages: no verb has a template") }
        } else {
            issue(messagesKey ?? root, messagesNode == nil ? "missing key 'messages'" : "messages must map verbs to templates")
        }
        guard issues.isEmpty else { throw DialectFileError(issues: issues.sorted { $0.line < $1.line }) }
        return Dialect(name: name, format: format, terminator: terminator, peerSource: peerSource, caseInsensitive: caseInsensitive,
                       errorCodes: errorCodes, maxDatagram: maxDatagram, ids: ids, forms: forms, source: text)
    }

    /// The file's YAML as a node, or the YAML error with its line.
    static func compose(_ text: String, file: String) throws(DialectFileError) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw DialectFileError(issues: [DialectIssue(file: file, line: 1, message: "empty file")])
            }
            return node
        } catch let error as DialectFileError {
            throw error
        } catch let error as YamlError {
            var line = 1
            var problem = "\(error)"
            switch error {
            case .scanner(_, let what, let mark, _), .parser(_, let what, let mark, _), .composer(_, let what, let mark, _):
                line = mark.line
                problem = what
            case .duplicatedKeysInMapping(let duplicates, let context):
                line = context.mark.line
                problem = "duplicated keys \(duplicates.joined(separator: ", "))"
            default: break
            }
            throw DialectFileError(issues: [DialectIssue(file: file, line: line, message: "YAML: \(problem)")])
        } catch {
            throw DialectFileError(issues: [DialectIssue(file: file, line: 1, message: "YAML: \(error)")])
        }
    }

    /// `error-codes:`: each of the contract's codes to one word (no spaces, quotes or control
    /// characters), no two codes the same word.
    static func errorCodes(_ value: Node, issue: (Node?, String) -> Void) -> [ErrorCode: String] {
        guard let codes = value.mapping else {
            issue(value, "error-codes maps ID_IN_USE, ADDRESS_IN_USE, NOT_OWNER, NOT_REGISTERED to words")
            return [:]
        }
        var errorCodes: [ErrorCode: String] = [:]
        for (codeNode, wordNode) in codes {
            guard let code = ErrorCode(rawValue: codeNode.string ?? "") else {
                issue(codeNode, "unknown error code '\(codeNode.string ?? "")' (ID_IN_USE, ADDRESS_IN_USE, NOT_OWNER, NOT_REGISTERED)")
                continue
            }
            guard let word = wordNode.scalar?.string, !word.isEmpty,
                  !word.utf8.contains(where: { $0 == 0x20 || $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
                issue(wordNode, "the word for \(code.rawValue) must be non-empty, without spaces, quotes or control characters")
                continue
            }
            errorCodes[code] = word
        }
        let words = ErrorCode.allCases.map { (errorCodes[$0] ?? $0.rawValue).lowercased() }
        if Set(words).count != words.count { issue(value, "two error codes have the same word") }
        return errorCodes
    }

    /// The `messages:` mapping compiled: each verb's template, or its list of forms (the first
    /// is written). Problems go to `issue` with the node they are at.
    static func forms(_ messages: Node.Mapping, format: Format, ids: IDs, issue: (Node?, String) -> Void) -> [Verb: [Template]] {
        var forms: [Verb: [Template]] = [:]
        for (verbNode, templateNode) in messages {
            guard let verb = Verb(rawValue: verbNode.string ?? "") else {
                issue(verbNode, "unknown verb '\(verbNode.string ?? "")' (the contract's verbs: \(Verb.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            let formNodes = templateNode.sequence.map(Array.init) ?? [templateNode]
            if formNodes.isEmpty { issue(templateNode, "\(verb.rawValue): a list of forms needs at least one") }
            for (index, formNode) in formNodes.enumerated() {
                do throws(TemplateProblem) {
                    let compiled = try template(verb, formNode, format: format)
                    try compiled.checkComplete(ids: ids)
                    if index > 0 { try compiled.checkAlternate(of: forms[verb]?.first) }
                    forms[verb, default: []].append(compiled)
                } catch {
                    issue(formNode, error.message)
                }
            }
        }
        return forms
    }

    static func template(_ verb: Verb, _ node: Node, format: Format) throws(TemplateProblem) -> Template {
        switch format {
        case .text:
            guard let text = node.scalar?.string else { throw TemplateProblem(message: "\(verb.rawValue): a text template is a string") }
            return try Template.text(verb, text)
        case .json:
            if let mapping = node.mapping {
                var entries: [(key: String, slot: Template.Slot)] = []
                for (keyNode, valueNode) in mapping {
                    guard let key = keyNode.string, let scalar = valueNode.scalar else {
                        throw TemplateProblem(message: "\(verb.rawValue): JSON template values are placeholders or constants")
                    }
                    entries.append((key, try slot(verb, scalar)))
                }
                return try Template.json(verb, entries)
            }
            guard let text = node.scalar?.string else { throw TemplateProblem(message: "\(verb.rawValue): a JSON template is an object") }
            let bytes = Array(text.utf8)
            let parsed: Result<JSONValue, JSONProblem> = bytes.withUnsafeBytes { raw in
                Result { () throws(JSONProblem) -> JSONValue in try JSONReader.parse(raw) }
            }
            guard case .success(.object(let object)) = parsed else {
                throw TemplateProblem(message: "\(verb.rawValue): a JSON template is a JSON object")
            }
            var entries: [(key: String, slot: Template.Slot)] = []
            for (key, value) in object {
                if case .string(let string) = value, string.hasPrefix("{"), string.hasSuffix("}") {
                    guard let field = Field(rawValue: String(string.dropFirst().dropLast())) else {
                        throw TemplateProblem(message: "unknown placeholder \(string) in \(verb.rawValue) template")
                    }
                    entries.append((key, .field(field)))
                } else {
                    entries.append((key, .constant(value)))
                }
            }
            return try Template.json(verb, entries)
        }
    }

    /// A JSON template value written in YAML: `"{id}"` is a placeholder; a plain number, true or
    /// false is that JSON constant; anything else is a string constant.
    static func slot(_ verb: Verb, _ scalar: Node.Scalar) throws(TemplateProblem) -> Template.Slot {
        let string = scalar.string
        if string.hasPrefix("{"), string.hasSuffix("}") {
            guard let field = Field(rawValue: String(string.dropFirst().dropLast())) else {
                throw TemplateProblem(message: "unknown placeholder \(string) in \(verb.rawValue) template")
            }
            return .field(field)
        }
        if scalar.style == .plain {
            if string == "true" || string == "false" { return .constant(.bool(string == "true")) }
            if let number = Int(string), String(number) == string { return .constant(.number(string)) }
        }
        return .constant(.string(string))
    }
}
