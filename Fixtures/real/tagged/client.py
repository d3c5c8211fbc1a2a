#!/usr/bin/env python3
"""tagged client: a menu console; every request is "PKT <bit> <KIND> <name> ..." and is answered
"ACK <bit> ..." with the same bit, which alternates 0/1 per exchange instead of a sequence number.
Pinned to the server at 127.0.0.1:7070; the only option is the re-send timer.
Known-faulty fixture written by the udpchat project in the shape of real submissions (FAULTS.md).

  python3 client.py [--rto 10]

  to the peer:  PKT 0 CONN alice          -> ACK 0 YES bob | ACK 0 NO bob
                PKT 1 MSG alice hi there  -> ACK 1
                PKT 0 END alice           -> ACK 0 END

A menu choice may carry what it asks for on the same line: "1 bob", "2 hello there".
Known faults: a chat message is sent once and never again; a repeated CONN asks the user again.
"""
import argparse
import os
import select
import socket
import sys
import time

SERVER = ("127.0.0.1", 7070)
MENU = "\n1) Connect to a user\n2) Send a message\n3) End the chat\n4) Quit\nChoice: "


class Client:
    def __init__(self, rto):
        self.rto = rto
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.name = None
        self.bits = {}              # address -> my next bit to that address
        self.seen = {}              # address -> the bit of the last MSG shown from there
        self.waiting = None         # [datagram, address, kind, when to send again] or None
        self.expect = None          # what the next typed line is: name | menu | who | text | answer
        self.peer = None            # (name, address)
        self.asker = None
        self.state = "start"        # start | menu | lookup | calling | chatting | ending | leaving
        self.buffer = b""
        self.eof = False

    def show(self, text, end="\n"):
        print(text, end=end, flush=True)

    def request(self, kind, args, address, resend=True, subject=None):
        bit = self.bits.get(address, 0)
        text = "PKT %d %s %s%s" % (bit, kind, subject or self.name, args)
        self.sock.sendto(text.encode(), address)
        if resend:
            self.waiting = [text, address, kind, time.time() + self.rto]
        else:
            self.bits[address] = 1 - bit   # nothing to wait for: the next one takes the other bit

    def answered(self, address):
        self.bits[address] = 1 - self.bits.get(address, 0)
        self.waiting = None

    def menu(self):
        self.expect = "menu"
        self.show(MENU, "")

    # --- typed lines ---------------------------------------------------------------------
    def line(self, text):
        if self.expect == "menu" and text[:2] in ("1 ", "2 ") and text[2:].strip():
            # a choice and what it asks for on one line: "1 bob", "2 hello there"
            self.line(text[0])
            text = text[2:].strip()
        expect, self.expect = self.expect, None
        if expect == "name" and text:
            self.name = text.split()[0]
            self.state = "joining"
            self.request("REG", "", SERVER)
        elif expect == "answer" and text in ("0", "1"):
            verdict = "YES" if text == "1" else "NO"
            self.sock.sendto(("ACK %d %s %s" % (self.asker[2], verdict, self.name)).encode(), self.asker[1])
            if text == "1":
                self.peer, self.state = self.asker[:2], "chatting"
                self.show("Chatting with %s" % self.peer[0])
            self.menu()
        elif expect == "menu" and text == "1" and self.state == "menu":
            self.expect = "who"
            self.show("Who? ", "")
        elif expect == "who" and text:
            self.state = "lookup"
            self.wanted = text
            self.request("GET", "", SERVER, subject=text)   # GET names the user wanted
        elif expect == "menu" and text == "2" and self.state == "chatting":
            self.expect = "text"
            self.show("Message: ", "")
        elif expect == "text" and text and self.state == "chatting":
            # FAULT: no timer for a chat message: if it or its ACK is lost it is gone
            self.request("MSG", " " + text, self.peer[1], resend=False)
            self.menu()
        elif expect == "menu" and text == "3" and self.state == "chatting":
            self.state = "ending"
            self.request("END", "", self.peer[1])
        elif expect == "menu" and text == "4":
            if self.state == "chatting":
                self.request("END", "", self.peer[1])
                self.state = "ending-then-leave"
            else:
                self.leave()
        elif expect in ("menu", "name"):
            self.expect = expect
            self.show("?\n" + ("" if expect == "name" else "Choice: "), "")
        else:
            self.menu()

    def leave(self):
        self.state = "leaving"
        self.request("BYE", "", SERVER)
        self.show("Leaving...")

    # --- datagrams -----------------------------------------------------------------------
    def datagram(self, text, source):
        fields = text.split(" ")
        if fields[0] == "ACK" and self.waiting and source == self.waiting[1] and fields[1] == str(self.bits.get(source, 0)):
            self.answer(self.waiting[2], fields[2:], source)
        elif fields[0] == "PKT" and len(fields) >= 4 and fields[1] in ("0", "1"):
            self.from_peer(fields, text, source)

    def answer(self, kind, rest, source):
        self.answered(source)
        if kind == "REG" and rest == ["OK"]:
            self.state = "menu"
            self.show("Welcome, %s!" % self.name)
            self.menu()
        elif kind == "REG":
            self.show("That name is taken.\nEnter your display name: ", "")
            self.expect = "name"
        elif kind == "GET" and rest[:1] == ["PORT"]:
            self.state = "calling"
            self.target = (self.wanted, (SERVER[0], int(rest[1])))
            self.request("CONN", "", self.target[1])
            self.show("Calling %s..." % self.wanted)
        elif kind == "GET":
            self.state = "menu"
            self.show("%s is not online" % self.wanted)
            self.menu()
        elif kind == "CONN":
            if rest[:1] == ["YES"]:
                self.peer, self.state = self.target, "chatting"
                self.show("Chatting with %s" % self.peer[0])
            else:
                self.state = "menu"
                self.show("%s said no" % self.target[0])
            self.menu()
        elif kind == "END":
            self.show("Chat with %s ended" % self.peer[0])
            self.peer = None
            if self.state == "ending-then-leave":
                self.leave()
            else:
                self.state = "menu"
                self.menu()
        elif kind == "BYE":
            self.show("Bye!")
            sys.exit(0)

    def from_peer(self, fields, text, source):
        bit, kind, who = int(fields[1]), fields[2], fields[3]
        if kind == "CONN":
            if self.state == "menu" or (self.asker and self.asker[:2] == (who, source) and self.peer is None):
                # FAULT: no memory of the bit: the same CONN again asks the user again
                self.asker = (who, source, bit)
                self.expect = "answer"
                self.show("\n%s wants to chat. Accept? (1 = yes, 0 = no): " % who, "")
            elif self.peer and self.peer[1] == source:
                self.sock.sendto(("ACK %d YES %s" % (bit, self.name)).encode(), source)
            else:
                self.sock.sendto(("ACK %d NO %s" % (bit, self.name)).encode(), source)
        elif self.state == "calling" and source == self.target[1] and kind == "MSG" and len(fields) >= 5:
            self.answer("CONN", ["YES", who], source)   # the YES was lost and the peer is already talking
            self.from_peer(fields, text, source)
        elif self.peer and source == self.peer[1] and kind == "MSG" and len(fields) >= 5:
            self.sock.sendto(("ACK %d" % bit).encode(), source)
            if self.seen.get(source) != bit:
                self.seen[source] = bit
                self.show("\n<%s> %s" % (who, text.split(" ", 4)[4]))
        elif kind == "END":
            self.sock.sendto(("ACK %d END" % bit).encode(), source)
            if self.peer and source == self.peer[1]:
                self.show("\n%s ended the chat" % who)
                self.peer, self.state, self.waiting = None, "menu", None
                self.seen.pop(source, None)
                self.menu()

    def run(self):
        self.show("Enter your display name: ", "")
        self.expect = "name"
        while True:
            now = time.time()
            if self.waiting and self.waiting[3] <= now:
                self.sock.sendto(self.waiting[0].encode(), self.waiting[1])
                self.waiting[3] = now + self.rto
            timeout = (self.waiting[3] - now) if self.waiting else 1.0
            ready = select.select([self.sock] + ([] if self.eof else [0]), [], [], max(timeout, 0.01))[0]
            if self.sock in ready:
                data, source = self.sock.recvfrom(2048)
                try:
                    self.datagram(data.decode().rstrip("\r\n"), source)
                except (UnicodeDecodeError, ValueError, IndexError):
                    pass
            if 0 in ready:
                chunk = os.read(0, 4096)
                if not chunk:
                    self.eof = True
                    if self.name is None:
                        sys.exit(0)
                    chunk = b"\n4\n"
                self.buffer += chunk
                while b"\n" in self.buffer:
                    typed, self.buffer = self.buffer.split(b"\n", 1)
                    self.line(typed.decode(errors="replace").strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rto", type=float, default=10.0)
    Client(ap.parse_args().rto).run()


if __name__ == "__main__":
    main()
