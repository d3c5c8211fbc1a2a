// libFuzzer target for the dialect engine (built only by Scripts/fuzz, UDPCHAT_FUZZ=1).
// For every fixture dialect (Fixtures/dialects/*.dialect.yaml) and the default templates read by
// the engine: parsing never crashes, and what parses round-trips (`Dialect.roundTripProblem`: read
// → write → read gives the same message, tag and receiver), read without a context and as the
// answer to a request of each kind (`Dialect.exampleContext(for:)` of every answer). Differential: the engine reading the default templates accepts exactly what
// the hand-written codec accepts, as the same Message.
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

#if canImport(Glibc)
import Glibc
#endif

let fixtureFolder: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
    return path + "/Fixtures/dialects"
}()

let dialects: [Dialect] = {
    var result = [Dialect.default.forcingEngine]
    guard let folder = opendir(fixtureFolder) else { fatalError("no \(fixtureFolder)") }
    defer { closedir(folder) }
    var names: [String] = []
    while let entry = readdir(folder) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name.hasSuffix(".dialect.yaml") { names.append(name) }
    }
    for name in names.sorted() {
        do { result.append(try Dialect.load(fixtureFolder + "/" + name)) } catch { fatalError("\(name): \(error)") }
    }
    return result
}()

let context = DialectContext(localID: 42, conn: nil, source: Endpoint(host: "192.0.2.1", port: 7070))
let contexts: [DialectContext] = [context] + Verb.allCases.filter { !$0.isRequest }.map { Dialect.exampleContext(for: $0) }

func dialectFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for dialect in dialects {
        for context in contexts {
            if let problem = dialect.roundTripProblem(bytes, context: context) { fatalError(problem) }
        }
    }
    let engine = try? dialects[0].parse(bytes, context: context)
    let codec = try? Message.parse(bytes)
    guard engine == codec else { fatalError("engine read \(String(describing: engine)), codec read \(String(describing: codec))") }
    return 0
}

// SwiftPM links an executable's own entry point as `main`, so this one hands over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var arguments = CommandLine.argc
var argumentVector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argumentVector) { data, size in dialectFuzz(data, size) })
