#!/usr/bin/env python3
"""pushed: one program for both roles, nicknames, a table the server pushes, a fixed 0.5 s timeout.
Known-faulty fixture written by the udpchat project in the shape of real submissions (FAULTS.md):
the Columbia "UdpChat" variant of the assignment, as three public implementations do it.

  python3 chat.py -s <port>                                          the server
  python3 chat.py -c <nick> <server-ip> <server-port> <client-port>  a client

Client commands: send <nick> <text> | dereg. There is no connection set-up: each message names
its receiver, looked up in the table the server pushes. Every wait is 0.5 s, fixed in the code;
the join and a message are sent five times at most, the leave until it is acknowledged.
Known fault: a repeated message is shown again (no duplicate detection).
"""
import socket
import sys
import threading
import time

TIMEOUT = 0.5   # fixed: there is no option for it
TRIES = 5


def server(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    table = {}  # nick -> (host, port)
    print("server listening on UDP port %d" % port, flush=True)
    while True:
        data, source = sock.recvfrom(2048)
        words = data.decode("utf-8", "replace").split(" ")
        if len(words) != 2 or words[0] not in ("reg", "dereg") or not words[1].isalnum():
            continue                                # garbage: ignored
        verb, nick = words
        if verb == "reg" and table.get(nick, source) != source:
            sock.sendto(b"taken " + nick.encode(), source)
            continue
        if verb == "dereg" and table.get(nick) != source:
            sock.sendto(b"ack", source)             # a repeated (or a stranger's) leave: nothing to do
            continue
        changed = table.get(nick) != (source if verb == "reg" else None)
        if verb == "reg":
            table[nick] = source
        else:
            del table[nick]
        sock.sendto(b"ack", source)
        if changed:
            rows = ["%s=%s:%d" % (n, a[0], a[1]) for n, a in sorted(table.items())]
            print("table: " + (" ".join(rows) if rows else "(empty)"), flush=True)
            push = ("table " + ",".join(rows)).encode()
            for address in table.values():
                sock.sendto(push, address)


class Client:
    def __init__(self, nick, server_host, server_port, port):
        self.nick = nick
        self.server = (server_host, server_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.table = {}
        self.acked = threading.Event()
        self.counter = 0
        threading.Thread(target=self.listen, daemon=True).start()

    def listen(self):
        while True:
            data, source = self.sock.recvfrom(2048)
            text = data.decode("utf-8", "replace")
            if text == "ack" or text.startswith("ack "):
                self.acked.set()
            elif text.startswith("table "):
                self.table = dict((row.split("=")[0], row.split("=")[1]) for row in text[6:].split(",") if "=" in row)
            elif text.startswith("msg "):
                parts = text.split(" ", 3)
                if len(parts) == 4:
                    self.sock.sendto(("ack " + parts[2]).encode(), source)
                    print("%s: %s" % (parts[1], parts[3]), flush=True)   # FAULT: shown again when repeated
            elif text.startswith("taken "):
                print("nickname %s is taken" % self.nick, flush=True)

    def request(self, datagram, address, tries=TRIES):
        """Sends and re-sends every TIMEOUT until acknowledged, `tries` times in all (None: until then)."""
        self.acked.clear()
        sent = 0
        while tries is None or sent < tries:
            self.sock.sendto(datagram, address)
            sent += 1
            if self.acked.wait(TIMEOUT):
                return True
        return False

    def run(self):
        if not self.request(("reg " + self.nick).encode(), self.server):
            print("no answer from the server", flush=True)
            return 1
        print("registered as %s" % self.nick, flush=True)
        for line in sys.stdin:
            words = line.strip().split(" ", 2)
            if words[0] == "send" and len(words) == 3:
                address = self.table.get(words[1])
                if address is None:
                    print("%s is not online" % words[1], flush=True)
                    continue
                host, port = address.rsplit(":", 1)
                self.counter += 1
                datagram = ("msg %s %d %s" % (self.nick, self.counter, words[2])).encode()
                print("delivered" if self.request(datagram, (host, int(port))) else "not delivered", flush=True)
            elif words[0] == "dereg":
                self.request(("dereg " + self.nick).encode(), self.server, tries=None)   # until acknowledged
                print("left", flush=True)
                return 0
        return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "-s":
        server(int(sys.argv[2]))
    elif len(sys.argv) == 6 and sys.argv[1] == "-c":
        sys.exit(Client(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])).run())
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
