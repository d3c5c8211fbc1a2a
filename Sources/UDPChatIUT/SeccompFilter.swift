// The sandbox's syscall filter: what an implementation under test may never call, compiled to a
// classic BPF program by libseccomp and handed to bubblewrap (`--seccomp FD`), which loads it just
// before it starts the implementation (after its own namespace set-up, which needs these calls).
import CSeccomp
import Foundation
import UDPChatSupport
#if canImport(Glibc)
import Glibc
#endif

public enum SeccompFilter {
    /// Calls refused with EPERM: tracing and reading other processes, mounts, namespaces, kernel
    /// objects that outlive the case (keys, BPF, modules), and the host's clock, swap and reboot.
    public static let denied = [
        "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
        "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
        "mount_setattr", "setns", "unshare", "open_by_handle_at", "name_to_handle_at",
        "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
        "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
        "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "iopl", "ioperm",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "vhangup", "personality",
    ]

    /// `clone` is refused when it asks for a new namespace (user, mount, PID, network, …);
    /// `clone3`, whose flags a filter cannot read, answers ENOSYS so C libraries fall back to `clone`.
    static let namespaceFlags: UInt64 = 0x1000_0000 | 0x0002_0000 | 0x2000_0000 | 0x4000_0000 | 0x0800_0000 | 0x0400_0000 | 0x0200_0000 | 0x0000_0080
    // CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | CLONE_NEWTIME

    /// TIOCSTI (typing into a terminal) is refused too.
    static let tiocsti: UInt64 = 0x5412

    /// The filter as a BPF program in a memory file, its offset at 0; the caller owns the descriptor.
    public static func memoryFile() throws(UDPChatError) -> Int32 {
        guard let context = seccomp_init(udpchat_scmp_act_allow()) else { throw .sandboxSetup("seccomp_init failed") }
        defer { seccomp_release(context) }
        let eperm = udpchat_scmp_act_errno(UInt16(EPERM))
        for name in denied { try add(context, eperm, name) }
        // Any namespace flag set: one masked comparison per flag (rules on one call are ORed).
        for bit in 0..<64 where namespaceFlags & (1 << UInt64(bit)) != 0 {
            try add(context, eperm, "clone", [masked(arg: 0, mask: 1 << UInt64(bit), equals: 1 << UInt64(bit))])
        }
        try add(context, udpchat_scmp_act_errno(UInt16(ENOSYS)), "clone3")
        try add(context, eperm, "ioctl", [masked(arg: 1, mask: 0xFFFF_FFFF, equals: tiocsti)])
        let fd = udpchat_memfd_create("udpchat-seccomp")
        guard fd >= 0 else { throw .sandboxSetup("memfd_create: \(String(cString: strerror(errno)))") }
        guard seccomp_export_bpf(context, fd) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            close(fd)
            throw .sandboxSetup("seccomp: cannot export the filter")
        }
        return fd
    }

    private static func masked(arg: UInt32, mask: UInt64, equals datum: UInt64) -> scmp_arg_cmp {
        scmp_arg_cmp(arg: arg, op: SCMP_CMP_MASKED_EQ, datum_a: mask, datum_b: datum)
    }

    /// One rule: `name` (skipped where this architecture has no such call) gets `action` when every comparison holds.
    private static func add(_ context: scmp_filter_ctx, _ action: UInt32, _ name: String, _ comparisons: [scmp_arg_cmp] = []) throws(UDPChatError) {
        let number = seccomp_syscall_resolve_name(name)
        guard number != __NR_SCMP_ERROR else { return }
        let status = comparisons.withUnsafeBufferPointer { seccomp_rule_add_array(context, action, number, UInt32($0.count), $0.baseAddress) }
        guard status == 0 else { throw .sandboxSetup("seccomp: cannot filter \(name) (\(String(cString: strerror(-status))))") }
    }
}
