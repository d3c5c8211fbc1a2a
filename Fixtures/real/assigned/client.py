#!/usr/bin/env python3
"""assigned client: the server gives it its id; chat goes straight to the peer.
Known-faulty fixture written by the udpchat project in the shape of real submissions (FAULTS.md).

  python3 client.py [--server 127.0.0.1:7070] [--rto 10]

  to the server: Port 40942, Query 2, Client Leave 1  (answers: 1 / 2 40943 / Client 2 Inactive / Client Left)
  to the peer:   Connection Request 1 -> Connection Accepted | Connection Rejected
                 3 hello -> ACK 3          (message number 3, then the text; per side, from 1)
                 Connection Termination -> Termination Acknowledged

Commands: c <id> (connect) | y | n | e (end) | q (quit) | anything else is a message.
Known fault: the Connection Request is sent once and never again.
"""
import argparse
import os
import select
import socket
import sys
import time


def number(text):
    """A decimal number as written on the wire (no sign, no leading zero, not 0), else ValueError."""
    value = int(text)
    if value <= 0 or str(value) != text:
        raise ValueError(text)
    return value


class Client:
    def __init__(self, args):
        host, port = args.server.rsplit(":", 1)
        self.server = (host, int(port))
        self.rto = args.rto
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.me = None
        self.state = "joining"     # joining | idle | querying | requesting | asked | chatting | ending | leaving
        self.retry = {}            # what -> [datagram, address, when to send again]
        self.peer = None           # (id, address)
        self.queue = []
        self.sent = 0              # my last message number
        self.shown = 0             # the peer's last message number shown
        self.early = {}            # message number -> text, arrived before its turn
        self.answers = {}          # asker -> (our answer, when), for a repeated Connection Request (5 RTO)
        self.typed_so_far = b""
        self.eof = False

    def out(self, text):
        print(text, flush=True)

    def send(self, text, to, what=None):
        self.sock.sendto(text.encode(), to)
        if what:
            self.retry[what] = [text, to, time.time() + self.rto]

    def stop(self, what):
        self.retry.pop(what, None)

    def command(self, line):
        if line.startswith("c ") and self.state == "idle":
            self.wanted = int(line[2:])
            self.state = "querying"
            self.send("Query %d" % self.wanted, self.server, "query")
        elif line in ("y", "n") and self.state == "asked":
            self.send("Connection Accepted" if line == "y" else "Connection Rejected", self.peer[1])
            self.answer = "Connection Accepted" if line == "y" else "Connection Rejected"
            self.answers[self.peer] = (self.answer, time.time())
            if line == "y":
                self.state, self.sent, self.shown, self.early = "chatting", 0, 0, {}
                self.out("Connected to Client %d" % self.peer[0])
            else:
                self.state = "idle"
        elif line == "e" and self.state == "chatting":
            self.state = "ending"
            self.next_message()
        elif line == "q":
            if self.state == "leaving" or self.me is None:
                sys.exit(0)
            self.state = "leaving"
            self.send("Client Leave %d" % self.me, self.server, "leave")
        elif line and self.state == "chatting":
            self.queue.append(line)
            self.next_message()

    def next_message(self):
        if "message" in self.retry:
            return
        if self.queue:
            self.sent += 1
            self.send("%d %s" % (self.sent, self.queue.pop(0)), self.peer[1], "message")
        elif self.state == "ending":
            self.send("Connection Termination", self.peer[1], "termination")

    def datagram(self, text, source):
        if source == self.server:
            if self.state == "joining" and text.isdigit():
                self.me = int(text)
                self.stop("join")
                self.state = "idle"
                self.out("You are Client %d" % self.me)
            elif self.state == "querying" and text.startswith("Client ") and text.endswith(" Inactive"):
                self.stop("query")
                self.state = "idle"
                self.out("Client %d Inactive" % self.wanted)
            elif self.state == "querying" and len(text.split()) == 2:
                self.stop("query")
                peer_id, port = map(number, text.split())
                self.peer = (peer_id, (self.server[0], port))
                self.state = "requesting"
                # FAULT: sent once; if it or its answer is lost, nothing happens again
                self.send("Connection Request %d" % self.me, self.peer[1])
                self.out("Connection Request sent to Client %d" % peer_id)
            elif self.state == "leaving" and text == "Client Left":
                self.stop("leave")
                self.out("Left the server")
                self.sock.close()
                sys.exit(0)
            return
        if text.startswith("Connection Request "):
            if len(text.split()) != 3:
                return
            asker = (number(text.split()[2]), source)
            answer, when = self.answers.get(asker, (None, 0))
            if answer and time.time() - when < 5 * self.rto and self.state != "asked" and (self.peer == asker or self.state == "idle"):
                self.sock.sendto(answer.encode(), source)   # our answer was lost
            elif self.state == "idle":
                self.peer, self.state = asker, "asked"
                self.out("Client %d wants to connect. Accept? (y/n)" % asker[0])
            elif self.peer != asker:
                self.sock.sendto(b"Connection Rejected", source)
            return
        if self.peer is None or source != self.peer[1]:
            if text == "Connection Termination":
                self.sock.sendto(b"Termination Acknowledged", source)
            return
        if self.state == "requesting" and text.split(" ", 1)[0].isdigit() and " " in text:
            self.answered(True)       # a message: the accept was lost and the peer is already talking
        elif self.state == "requesting" and text in ("Connection Accepted", "Connection Rejected"):
            self.answered(text == "Connection Accepted")
            return
        self.chat(text, source)

    def answered(self, accepted):
        if accepted:
            self.state, self.sent, self.shown, self.early = "chatting", 0, 0, {}
            self.out("Connected to Client %d" % self.peer[0])
        else:
            self.state = "idle"
            self.out("Client %d rejected the connection" % self.peer[0])

    def chat(self, text, source):
        if text.startswith("ACK "):
            if "message" in self.retry and text == "ACK %d" % self.sent:
                self.stop("message")
                self.next_message()
        elif text == "Connection Termination":
            self.sock.sendto(b"Termination Acknowledged", source)
            if self.state in ("chatting", "ending"):
                self.end()
        elif text == "Termination Acknowledged" and "termination" in self.retry:
            self.end()
        elif self.state in ("chatting", "ending") and text.split(" ", 1)[0].isdigit() and " " in text:
            seq, words = text.split(" ", 1)
            seq = number(seq)
            if seq > self.shown + 32:
                return                      # too far ahead: dropped without an ACK
            self.sock.sendto(b"ACK %d" % seq, source)
            if seq > self.shown:
                self.early[seq] = words
            while self.shown + 1 in self.early:
                self.shown += 1
                self.out("Client %d: %s" % (self.peer[0], self.early.pop(self.shown)))

    def end(self):
        for what in ("message", "termination"):
            self.stop(what)
        self.queue = []
        self.answers.pop(self.peer, None)
        self.state = "idle"
        self.out("Connection with Client %d terminated" % self.peer[0])

    def run(self):
        self.send("Port %d" % self.sock.getsockname()[1], self.server, "join")
        while True:
            now = time.time()
            for item in self.retry.values():
                if item[2] <= now:
                    self.sock.sendto(item[0].encode(), item[1])
                    item[2] = now + self.rto
            timeout = min([item[2] for item in self.retry.values()], default=now + 1) - now
            ready = select.select([self.sock] + ([] if self.eof else [0]), [], [], max(timeout, 0.01))[0]
            if self.sock in ready:
                data, source = self.sock.recvfrom(2048)
                try:
                    self.datagram(data.decode().rstrip("\r\n"), source)
                except (UnicodeDecodeError, ValueError, IndexError):
                    pass
            if 0 in ready:
                chunk = os.read(0, 4096)
                if not chunk:          # end of input: quit
                    self.eof = True
                    chunk = b"\nq\n" if self.state != "leaving" else b""
                self.typed_so_far += chunk
                while b"\n" in self.typed_so_far:
                    line, self.typed_so_far = self.typed_so_far.split(b"\n", 1)
                    self.command(line.decode(errors="replace").strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="127.0.0.1:7070")
    ap.add_argument("--rto", type=float, default=10.0)
    Client(ap.parse_args()).run()


if __name__ == "__main__":
    main()
