#!/usr/bin/env python3
"""routed client: talks only to the server at localhost:7070, which relays to the peer.
Asks for its id first. Pinned and hard-coded: no options, every timer 10 s (but see the fault).
Known-faulty fixture written by the udpchat project in the shape of real submissions (FAULTS.md).

  to the server:  HELLO 3 | BYE 3 | TO 2 CONNECT | TO 3 ACCEPT | TO 3 REJECT
                  TO 2 MSG 1 hi | TO 3 ACK 1 | TO 2 END | TO 3 ENDED
  from it:        success | failure | Client Left | Client 2 Inactive | FROM 2 <the rest>

Commands: /connect ID, /accept, /reject, /end, /quit; any other line is a message.
Known faults: the connection request is re-sent every second; a repeated message is shown again.
"""
import os
import select
import socket
import sys
import time

SERVER = ("localhost", 7070)
TIMER = 10.0
CONNECT_TIMER = 1.0     # FAULT: the request is re-sent every second, not every 10 s


class Client:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.me = None
        self.timers = {}        # name -> [datagram, interval, next time]
        self.peer = None
        self.state = "new"      # new | joining | idle | calling | asked | talking | ending | leaving
        self.queue, self.sent = [], 0
        self.pending = b""
        self.eof = False

    def tell(self, text):
        print(text, flush=True)

    def send(self, text, timer=None, interval=TIMER):
        self.sock.sendto(text.encode(), SERVER)
        if timer:
            self.timers[timer] = [text, interval, time.time() + interval]

    def cancel(self, timer):
        self.timers.pop(timer, None)

    def typed(self, line):
        if self.state == "new":
            if line.isdigit() and line[0] != "0":
                self.me, self.state = int(line), "joining"
                self.send("HELLO %d" % self.me, "hello")
            else:
                self.tell("Your id: ")
        elif line.startswith("/connect ") and line[9:].isdigit() and self.state == "idle":
            self.peer, self.state = int(line[9:]), "calling"
            self.send("TO %d CONNECT" % self.peer, "connect", CONNECT_TIMER)
            self.tell("asking client %d..." % self.peer)
        elif line in ("/accept", "/reject") and self.state == "asked":
            self.answer = "ACCEPT" if line == "/accept" else "REJECT"
            self.send("TO %d %s" % (self.peer, self.answer))
            self.talk() if line == "/accept" else self.idle()
        elif line == "/end" and self.state == "talking":
            self.state = "ending"
            self.next()
        elif line == "/quit" and self.state != "leaving":
            if self.me is None:
                sys.exit(0)
            self.state = "leaving"
            self.send("BYE %d" % self.me, "bye")
        elif line and not line.startswith("/") and self.state == "talking":
            self.queue.append(line)
            self.next()

    def talk(self):
        self.state, self.sent, self.seen, self.queue, self.early = "talking", 0, 0, [], {}
        self.tell("connected with client %d" % self.peer)

    def idle(self):
        self.state = "idle"
        for timer in ("connect", "msg", "end"):
            self.cancel(timer)

    def next(self):
        if "msg" in self.timers:
            return
        if self.queue:
            self.sent += 1
            self.send("TO %d MSG %d %s" % (self.peer, self.sent, self.queue.pop(0)), "msg")
        elif self.state == "ending":
            self.send("TO %d END" % self.peer, "end")

    def received(self, text):
        words = text.split(" ")
        if text == "success" and self.state == "joining":
            self.cancel("hello")
            self.state = "idle"
            self.tell("joined as client %d" % self.me)
        elif text == "failure" and self.state == "joining":
            self.cancel("hello")
            self.state = "new"
            self.tell("id %d is taken\nYour id: " % self.me)
        elif text == "Client Left" and self.state == "leaving":
            self.tell("left")
            sys.exit(0)
        elif text == "Client %s Inactive" % self.peer and self.state == "calling":
            self.tell("client %d is not online" % self.peer)
            self.idle()
        elif len(words) >= 3 and words[0] == "FROM" and words[1].isdigit():
            self.relayed(int(words[1]), words[2], words[3:])

    def relayed(self, sender, kind, rest):
        if kind == "CONNECT":
            if self.state == "idle":
                self.peer, self.state = sender, "asked"
                self.tell("client %d wants to talk: /accept or /reject" % sender)
            elif sender == self.peer and self.state in ("talking", "ending"):
                self.send("TO %d ACCEPT" % sender)
            elif sender != self.peer:
                self.send("TO %d REJECT" % sender)
            return
        if kind == "END":
            self.send("TO %d ENDED" % sender)
            if sender == self.peer and self.state in ("talking", "ending"):
                self.tell("client %d ended the conversation" % sender)
                self.idle()
            return
        if sender != self.peer:
            return
        if self.state == "calling" and kind in ("ACCEPT", "REJECT", "MSG"):
            self.cancel("connect")
            if kind == "REJECT":
                self.tell("client %d said no" % sender)
                self.idle()
                return
            self.talk()
        if kind == "MSG" and self.state in ("talking", "ending") and len(rest) >= 2 and rest[0].isdigit():
            number = int(rest[0])
            if number > self.seen + 32:
                return                       # too far ahead: no ACK
            self.send("TO %d ACK %d" % (sender, number))
            if number <= self.seen:
                # FAULT: a number already shown (our ACK was lost, it came again) is shown again
                self.tell("[%d] %s" % (sender, " ".join(rest[1:])))
                return
            self.early[number] = " ".join(rest[1:])
            while self.seen + 1 in self.early:
                self.seen += 1
                self.tell("[%d] %s" % (sender, self.early.pop(self.seen)))
        elif kind == "ACK" and rest == [str(self.sent)] and "msg" in self.timers:
            self.cancel("msg")
            self.next()
        elif kind == "ENDED" and "end" in self.timers:
            self.tell("conversation with client %d ended" % sender)
            self.idle()

    def run(self):
        self.tell("Your id: ")
        while True:
            now = time.time()
            for timer in self.timers.values():
                if timer[2] <= now:
                    self.sock.sendto(timer[0].encode(), SERVER)
                    timer[2] = now + timer[1]
            wait = min([timer[2] for timer in self.timers.values()], default=now + 1) - now
            ready = select.select([self.sock] + ([] if self.eof else [0]), [], [], max(wait, 0.01))[0]
            if self.sock in ready:
                try:
                    self.received(self.sock.recv(2048).decode())
                except (UnicodeDecodeError, ConnectionRefusedError):
                    pass
            if 0 in ready:
                chunk = os.read(0, 4096)
                if not chunk:
                    self.eof, chunk = True, b"\n/quit\n"
                self.pending += chunk
                while b"\n" in self.pending:
                    line, self.pending = self.pending.split(b"\n", 1)
                    self.typed(line.decode(errors="replace").strip())


if __name__ == "__main__":
    Client().run()
