// libFuzzer target for the contract's codec (built only by Scripts/fuzz, UDPCHAT_FUZZ=1).
// Property: parsing never crashes, and what parses round-trips: parse → serialise → parse is the same Message.
import UDPChatWire

#if canImport(Glibc)
import Glibc
#endif

func codecFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let message = try? Message.parse(bytes) else { return 0 }
    let wire = message.bytes
    guard let again = try? Message.parse(wire) else { fatalError("serialised form of \(message) does not parse: \(wire)") }
    guard again == message else { fatalError("round trip changed \(message) into \(again)") }
    guard wire.count <= WireLimits.maxDatagram else { fatalError("serialised \(message) is over the limit") }
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
exit(LLVMFuzzerRunDriver(&arguments, &argumentVector) { data, size in codecFuzz(data, size) })
