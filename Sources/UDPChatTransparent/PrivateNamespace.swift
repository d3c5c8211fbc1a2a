import CNetfilterQueue
import UDPChatIUT
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

// The guard of transparent mode: it changes the firewall of the network namespace it runs in, so it
// runs only where the caller says the namespace is private *and* the namespace looks it: `lo` is its
// only interface (a host, a container with a network, has more). Also: a new namespace for a thread.

public enum PrivateNamespace {
    /// The network interfaces of the calling thread's namespace.
    public static func interfaces() -> [String] {
        guard let list = if_nameindex() else { return [] }
        defer { if_freenameindex(list) }
        var names: [String] = []
        var entry = list
        while entry.pointee.if_index != 0, let name = entry.pointee.if_name {
            names.append(String(cString: name))
            entry += 1
        }
        return names
    }

    /// Throws unless `lo` is the only interface of the calling thread's network namespace.
    public static func check() throws(UDPChatError) {
        let others = interfaces().filter { $0 != "lo" }
        guard others.isEmpty else {
            throw .transparentNotPrivate(
                "refusing to change this network namespace's firewall: it has interfaces besides lo (\(others.joined(separator: ", "))), "
                    + "so it is not a private sandbox; run inside one (udpchat transparent -- COMMAND makes one; or unshare -n, bwrap --unshare-net)")
        }
    }

    /// Brings `lo` up unless it is up already (the sandbox's one way of doing it).
    public static func ensureLoopbackUp() throws(UDPChatError) {
        try SandboxInside.bringUpLoopback()
    }

    /// Moves the calling thread (only it, and the threads and processes it starts later) into a new,
    /// empty network namespace, and brings its loopback up. Needs root (CAP_SYS_ADMIN).
    public static func enterNew() throws(UDPChatError) {
        guard udpchat_unshare_network() == 0 else {
            let why = NetfilterQueue.reason()
            throw .transparentUnsupported("cannot make a private network namespace (unshare(CLONE_NEWNET) needs root): \(why)")
        }
        try ensureLoopbackUp()
    }
}
