#!/usr/bin/env python3
"""wordy client: the assignment's own words on the wire, talking straight to its peer.
Known-faulty fixture written by the udpchat project in the shape of real submissions (FAULTS.md).

  python3 client.py --id 1 [--server 127.0.0.1:7070] [--port 0] [--advertise-port P] [--rto 10]

Commands: connect <id> | yes | no | end | quit | anything else is a message to the peer.
Known faults: a repeated message is shown again; "quit" sends Client Leave once and exits at once.
"""
import argparse
import os
import select
import socket
import sys
import time


def number(text, limit=2 ** 31 - 1):
    """A decimal number as the contract writes it (no sign, no leading zero, not 0), else ValueError."""
    value = int(text)
    if not 0 < value <= limit or str(value) != text:
        raise ValueError(text)
    return value


class Node:
    def __init__(self, args):
        self.me = args.id
        self.rto = args.rto
        host, port = args.server.rsplit(":", 1)
        self.server = (host, int(port))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", args.port))
        self.advertised = args.advertise_port or self.sock.getsockname()[1]
        self.pending = {}       # key -> [datagram, address, next send time]
        self.peer = None        # (id, address) of the live connection
        self.state = "idle"     # idle | looking | connecting | asked | connected | ending | leaving
        self.asker = None
        self.answered = {}      # asker -> our answer, for a repeated Connection Request
        self.outbox = []        # texts waiting for their turn (stop and wait)
        self.next_out = 1
        self.next_in = 1
        self.early = {}         # seq -> text of messages that came before their turn
        self.lines = b""

    def say(self, text):
        print(text, flush=True)

    def send(self, text, address):
        self.sock.sendto(text.encode(), address)

    def keep_sending(self, key, text, address):
        self.send(text, address)
        self.pending[key] = [text, address, time.time() + self.rto]

    def done(self, key):
        self.pending.pop(key, None)

    def start(self):
        self.say("client %d on UDP port %d" % (self.me, self.sock.getsockname()[1]))
        self.keep_sending("join", "Join Client %d Port %d" % (self.me, self.advertised), self.server)

    # --- typed commands ------------------------------------------------------------------
    def typed(self, line):
        words = line.split()
        if line.startswith("connect ") and len(words) == 2 and words[1].isdigit() and self.state == "idle":
            self.state = "looking"
            self.keep_sending("lookup", "Lookup Client %s" % words[1], self.server)
        elif line in ("yes", "no") and self.state == "asked":
            answer = "Connection %s %d" % ("Accept" if line == "yes" else "Reject", self.me)
            self.send(answer, self.asker[1])
            self.answered[self.asker] = answer
            if line == "yes":
                self.begin(self.asker)
            else:
                self.state = "idle"
        elif line == "end" and self.state == "connected":
            self.state = "ending"
            self.flush()
        elif line == "quit":
            self.quit()
        elif line and self.state == "connected":
            self.outbox.append(line)
            self.flush()

    def begin(self, peer):
        self.answered.pop(peer, None) if self.state == "connecting" else None
        self.peer, self.state = peer, "connected"
        self.next_out = self.next_in = 1
        self.early = {}
        self.say("connection established with client %d" % peer[0])

    def flush(self):
        if "msg" in self.pending:
            return
        if self.outbox:
            text = self.outbox.pop(0)
            self.keep_sending("msg", "Message %d %d %s" % (self.me, self.next_out, text), self.peer[1])
        elif self.state == "ending":
            self.keep_sending("end", "Connection Termination %d" % self.me, self.peer[1])

    def quit(self):
        # FAULT: the leave is sent once and the socket is closed without waiting for "Client Left"
        self.send("Client Leave %d" % self.me, self.server)
        self.say("client %d left the server" % self.me)
        self.sock.close()
        sys.exit(0)

    # --- datagrams -----------------------------------------------------------------------
    def received(self, text, source):
        words = text.split(" ")
        if source == self.server:
            if text == "Joined Client %d" % self.me and "join" in self.pending:
                self.done("join")
                self.say("registered as client %d (reachable on port %d)" % (self.me, self.advertised))
            elif self.state == "looking" and len(words) == 4 and words[0] == "Client" and words[2] == "Port":
                self.done("lookup")
                self.state = "connecting"
                self.target = (number(words[1]), (self.server[0], number(words[3], 65535)))
                self.keep_sending("connect", "Connection Request %d" % self.me, self.target[1])
                self.say("connecting to client %s..." % words[1])
            elif self.state == "looking" and len(words) == 3 and words[2] == "Inactive":
                self.done("lookup")
                self.state = "idle"
                self.say("client %s is inactive" % words[1])
            return
        if words[:2] == ["Connection", "Request"] and len(words) == 3:
            asker = (number(words[2]), source)
            if asker in self.answered:
                self.send(self.answered[asker], source)   # our answer was lost
            elif self.state == "idle":
                self.state, self.asker = "asked", asker
                self.say("client %d wants to connect: yes or no?" % asker[0])
            elif self.asker != asker:
                self.send("Connection Reject %d" % self.me, source)
        elif self.state == "connecting" and source == self.target[1] and words[0] == "Message" and words[1:2] == [str(self.target[0])]:
            self.done("connect")      # the accept was lost and the peer is already talking
            self.begin(self.target)
            self.from_peer(words, text, source)
        elif self.state == "connecting" and source == self.target[1] and words[:2] == ["Connection", "Accept"] and len(words) == 3 and number(words[2]) == self.target[0]:
            self.done("connect")
            self.begin(self.target)
        elif self.state == "connecting" and source == self.target[1] and words[:2] == ["Connection", "Reject"] and len(words) == 3 and number(words[2]) == self.target[0]:
            self.done("connect")
            self.state = "idle"
            self.say("client %d rejected the connection" % self.target[0])
        elif self.peer and source == self.peer[1]:
            self.from_peer(words, text, source)
        elif words[:2] == ["Connection", "Termination"] and len(words) == 3 and number(words[2]):
            self.send("Termination Ack %d" % self.me, source)   # a repeat after the end

    def from_peer(self, words, text, source):
        peer = self.peer[0]
        if words[0] == "Message" and len(words) >= 4 and words[1] == str(peer):
            seq = number(words[2])
            if seq >= self.next_in + 32:
                return                  # too far ahead: dropped without an ACK
            self.send("Ack %d %d" % (self.me, seq), source)
            if seq < self.next_in:
                # FAULT: a message already shown (a repeat: our ACK was lost) is shown again
                self.say("[%d] %s" % (peer, text.split(" ", 3)[3]))
                return
            self.early[seq] = text.split(" ", 3)[3]
            while self.next_in in self.early:
                self.say("[%d] %s" % (peer, self.early.pop(self.next_in)))
                self.next_in += 1
        elif words[0] == "Ack" and len(words) == 3 and number(words[1]) == peer and number(words[2]) == self.next_out and "msg" in self.pending:
            self.done("msg")
            self.next_out += 1
            self.flush()
        elif words[:2] == ["Connection", "Termination"] and len(words) == 3 and number(words[2]) == peer:
            self.send("Termination Ack %d" % self.me, source)
            if self.state in ("connected", "ending"):
                self.say("connection with client %d terminated" % peer)
                self.pending.pop("msg", None)
                self.pending.pop("end", None)
                self.state, self.outbox, self.peer = "idle", [], None
        elif words[:2] == ["Termination", "Ack"] and len(words) == 3 and number(words[2]) == peer and "end" in self.pending:
            self.done("end")
            self.state, self.peer = "idle", None
            self.say("connection with client %d terminated" % peer)

    def run(self):
        self.start()
        while True:
            now = time.time()
            for item in self.pending.values():
                if item[2] <= now:
                    self.send(item[0], item[1])
                    item[2] = now + self.rto
            wait = min([item[2] for item in self.pending.values()], default=now + 1) - now
            ready, _, _ = select.select([self.sock, 0], [], [], max(wait, 0.01))
            if self.sock in ready:
                data, source = self.sock.recvfrom(2048)
                try:
                    self.received(data.decode().rstrip("\r\n"), source)
                except (UnicodeDecodeError, ValueError, IndexError):
                    pass
            if 0 in ready:
                chunk = os.read(0, 4096)
                if not chunk:
                    self.quit()
                self.lines += chunk
                while b"\n" in self.lines:
                    line, self.lines = self.lines.split(b"\n", 1)
                    self.typed(line.decode("utf-8", "replace").strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--id", type=int, required=True)
    ap.add_argument("--server", default="127.0.0.1:7070")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--advertise-port", type=int)
    ap.add_argument("--rto", type=float, default=10.0)
    Node(ap.parse_args()).run()


if __name__ == "__main__":
    main()
