import UDPChatSupport

// The transparent relay's errors, in the project's one error shape (a code and a one-line reason).

extension UDPChatError.Code {
    /// The relay cannot start: not root, no queue, a bad option.
    public static let transparentSetup = Self(TransparentCodes.transparentSetup)
    /// The network namespace is not a private one: the relay refuses to touch its firewall.
    public static let transparentNotPrivate = Self(TransparentCodes.transparentNotPrivate)
    /// The system cannot do it: no iptables, no NFQUEUE in the kernel. Tests skip on this code.
    public static let transparentUnsupported = Self(TransparentCodes.transparentUnsupported)
}

extension UDPChatError {
    public static func transparentSetup(_ reason: String) -> Self { Self(.transparentSetup, reason) }
    public static func transparentNotPrivate(_ reason: String) -> Self { Self(.transparentNotPrivate, reason) }
    public static func transparentUnsupported(_ reason: String) -> Self { Self(.transparentUnsupported, reason) }
}
