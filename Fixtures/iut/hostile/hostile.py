#!/usr/bin/env python3
"""A hostile implementation under test, for the grader's sandbox tests; never used by the product.

It tries to get out of its sandbox, then serves as the correct fixture server (../faulty/server.py):
  --escape PATH      writes PATH (meant to be outside its folder) and a file in its own folder
  --host-port N      sends a datagram to 127.0.0.1:N (a port the test holds on the host)
  --detach MARKER    leaves a detached child (double fork + setsid) with MARKER in its command line
  --group MARKER     leaves a child in its own process group with MARKER in its command line
  --hog              allocates memory, 16 MiB at a time, far past any sensible limit
Every attempt is reported on stdout ("hostile: ...") whatever happens.
"""
import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "faulty"))


def say(text):
    print("hostile: " + text, flush=True)


def sleeper(marker):
    os.execvp(sys.executable, [sys.executable, "-c", "import time; time.sleep(1000)", marker])


def main():
    args = sys.argv[1:]
    rest = []
    i = 0
    while i < len(args):
        flag = args[i]
        if flag == "--escape":
            path = args[i + 1]
            i += 2
            for target in (path, os.path.join(HERE, "written-by-hostile.txt")):
                try:
                    with open(target, "w") as handle:
                        handle.write("escaped\n")
                    say("wrote " + target)
                except OSError as error:
                    say("could not write %s: %s" % (target, error))
        elif flag == "--host-port":
            port = int(args[i + 1])
            i += 2
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                for _ in range(5):
                    sock.sendto(b"ESCAPED", ("127.0.0.1", port))
                say("sent to 127.0.0.1:%d" % port)
            except OSError as error:
                say("could not send to 127.0.0.1:%d: %s" % (port, error))
        elif flag == "--detach":
            marker = args[i + 1]
            i += 2
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    sleeper(marker)
                os._exit(0)
            say("left a detached child")
        elif flag == "--group":
            marker = args[i + 1]
            i += 2
            if os.fork() == 0:
                sleeper(marker)
            say("left a child in its process group")
        elif flag == "--hog":
            i += 1
            hoard = []
            for n in range(256):
                hoard.append(b"x" * (16 << 20))
                if n % 4 == 0:
                    say("holding %d MiB" % (16 * len(hoard)))
                time.sleep(0.01)
            say("allocated 4 GiB and was not stopped")
        else:
            rest.append(flag)
            i += 1
    sys.argv = [sys.argv[0]] + rest
    import server
    server.main()


if __name__ == "__main__":
    main()
