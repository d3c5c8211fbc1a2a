import UDPChatImpairment

/// Which way a datagram crosses a proxy: `up` = client → target, `down` = the target's replies.
/// The impairment engine's own type, so sim and live share it.
public typealias LinkDirection = Direction
