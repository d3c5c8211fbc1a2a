/// The protocol's default numbers, in one place (PROTOCOL.md "Timing", "Messages"); the codec's
/// size and range limits are `WireLimits`.
/// Every module that needs a default takes it from here, never from a literal of its own.
public enum ProtocolDefaults {
    /// The server's well-known UDP port.
    public static let port: UInt16 = 7070
    /// The retransmission timeout.
    public static let rto: Duration = .seconds(10)
    /// Messages in flight beyond the lowest unacknowledged one, and the receiver's acceptance window.
    public static let window = 32
    /// How many RTOs a client remembers its answers to repeated CONNECT and TERMINATE
    /// (the contract says at least 5; the reference keeps them for 6).
    public static let rememberRTOs = 6
    /// How often the reference client re-sends REGISTER once registered (PROTOCOL.md: a client
    /// SHOULD refresh below common NAT idle timeouts): under the common 30 s NAT UDP timeout and
    /// the proxy's 60 s flow idle, and a fraction of any sensible server registration expiry.
    public static let refreshEvery: Duration = .seconds(25)
    /// How long answers are remembered for a given RTO.
    public static func rememberFor(rto: Duration) -> Duration { rto * rememberRTOs }
}
