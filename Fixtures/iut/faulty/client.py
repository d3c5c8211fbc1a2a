#!/usr/bin/env python3
"""A small, correct udpchat v1 client, with ONE optional deliberate fault (--fault NAME).

Known-faulty fixture for the conformance grader (`udpchat grade`); never used by the product.
Commands on stdin: /connect N, /accept, /reject, /end, /quit; any other line is a message.
Faults (each caught by the grader case named after the colon):
  no-register-resend  never re-sends REGISTER                       : C-REGISTER-RESEND
  no-connect-resend   never re-sends CONNECT                        : C-CONNECT-RESEND
  no-lookup-resend    never re-sends LOOKUP                         : W-RESEND-LOOKUP (no C- case re-sends a LOOKUP)
  no-msg-resend       never re-sends a MSG                          : C-MSG-RESEND
  seq-start-0         numbers its messages from 0                   : C-MSG-FORMAT
  no-dedup            shows a duplicate MSG again                   : C-MSG-DEDUP
  no-reack            does not ACK a duplicate MSG again            : C-MSG-DEDUP
  no-order            shows an out-of-order MSG at once             : C-MSG-ORDER
  ignore-conn         accepts MSG whatever its conn, id or address  : C-STRANGER
  reprompt            prompts again for a repeated CONNECT          : C-INCOMING-REPEAT
  no-busy-reject      ignores CONNECT while connected               : C-BUSY-REJECT
  no-terminated       never answers TERMINATE                       : C-TERM-RESPOND
  no-term-repeat      forgets an ended conn at once                 : C-TERM-REPEAT
  leave-early         exits right after sending LEAVE               : C-LEAVE
  close-early         closes its socket right after sending LEAVE, and stays : C-LEAVE
  no-leave-resend     never re-sends LEAVE                          : C-LEAVE-RESEND
  no-term-resend      never re-sends TERMINATE                      : C-TERM-RESEND
  lookup-after-inactive keeps re-sending LOOKUP after INACTIVE      : C-INACTIVE
  connect-after-accept  keeps re-sending CONNECT after ACCEPT       : C-CONNECT-ACCEPTED
  no-msg-accept       ignores a MSG while connecting (waits for ACCEPT) : C-ACCEPT-AS-MSG
  own-port            puts its bound port in REGISTER, not the advertised one : C-REGISTER-ADVERTISED
  crash-malformed     crashes on a malformed datagram               : C-MALFORMED
  no-window           ACKs and holds a MSG however far ahead        : C-MSG-WINDOW
  term-early          sends TERMINATE with messages unacknowledged  : C-TERM-AFTER-ACKS
  accept-any-source   takes ACCEPT from any address while connecting : C-CONNECT-SPOOF
"""
import argparse
import os
import random
import select
import socket
import sys
import time

from udpwire import Malformed, build, parse

FAULTS = ["none", "no-register-resend", "no-connect-resend", "no-lookup-resend", "no-msg-resend", "seq-start-0", "no-dedup", "no-reack",
          "no-order", "ignore-conn", "reprompt", "no-busy-reject", "no-terminated", "no-term-repeat", "leave-early", "close-early",
          "no-leave-resend", "no-term-resend", "lookup-after-inactive", "connect-after-accept", "no-msg-accept", "own-port",
          "crash-malformed", "no-window", "term-early", "accept-any-source"]
WINDOW = 32


def say(text):
    print(text, flush=True)


class Client:
    def __init__(self, args):
        self.fault = args.fault
        self.me = args.id
        host, _, port = args.server.rpartition(":")
        self.server = (host, int(port))
        self.rto = args.rto
        self.adv = args.port if self.fault == "own-port" else (args.advertise_port or args.port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", args.port))
        if not self.adv:
            self.adv = self.sock.getsockname()[1]
        self.pending = {}        # key -> [datagram, address, deadline, attempt]
        self.registered = False
        self.state = "idle"      # idle | lookup | connecting | prompting | connected
        self.peer = None         # (id, address, conn)
        self.answers = {}        # conn -> answer datagram (remembered for repeated CONNECT)
        self.closed = {}         # conn -> peer id (for repeated TERMINATE)
        self.leaving = False
        self.reset_session()

    def reset_session(self):
        self.next_seq = 0 if self.fault == "seq-start-0" else 1
        self.unacked = {}
        self.backlog = []
        self.expected = 1
        self.held = {}
        self.want_end = False

    # sending with re-send every RTO
    def send(self, data, addr):
        self.sock.sendto(data, addr)

    def reliable(self, key, data, addr, resend=True):
        self.send(data, addr)
        self.pending[key] = [data, addr, time.monotonic() + self.rto if resend else None, 1]

    def tick(self):
        now = time.monotonic()
        for key, entry in list(self.pending.items()):
            if entry[2] is not None and now >= entry[2]:
                entry[3] += 1
                entry[2] = now + self.rto
                self.send(entry[0], entry[1])
                say("re-sending %s, attempt %d" % (key if isinstance(key, str) else "MSG %d" % key[1], entry[3]))

    def next_deadline(self):
        deadlines = [e[2] for e in self.pending.values() if e[2] is not None]
        return min(deadlines) if deadlines else None

    # user
    def command(self, line):
        line = line.rstrip("\r\n")
        if not line:
            return
        if self.leaving:
            return
        if line.startswith("/connect "):
            target = int(line.split()[1])
            if self.state != "idle":
                say("busy")
                return
            self.state = "lookup"
            self.peer = (target, None, None)
            self.reliable("LOOKUP", build("LOOKUP", target), self.server, resend=self.fault != "no-lookup-resend")
        elif line in ("/accept", "/reject") and self.state == "prompting":
            pid, addr, conn = self.peer
            verb = "ACCEPT" if line == "/accept" else "REJECT"
            answer = build(verb, conn, self.me)
            self.answers[conn] = answer
            self.send(answer, addr)
            if verb == "ACCEPT":
                self.state = "connected"
                self.reset_session()
                say("connection established with client %d" % pid)
            else:
                self.state = "idle"
        elif line == "/end" and self.state == "connected":
            self.want_end = True
            self.maybe_terminate()
        elif line == "/quit":
            self.leaving = True
            self.pending.pop("REGISTER", None)
            self.reliable("LEAVE", build("LEAVE", self.me), self.server, resend=self.fault != "no-leave-resend")
            if self.fault == "leave-early":
                sys.exit(0)
            if self.fault == "close-early":
                self.sock.close()
                time.sleep(3600)
        elif not line.startswith("/") and self.state == "connected":
            self.backlog.append(line)
            self.pump()

    def pump(self):
        pid, addr, conn = self.peer
        while self.backlog and len(self.unacked) < WINDOW:
            text = self.backlog.pop(0)
            seq = self.next_seq
            self.next_seq += 1
            self.unacked[seq] = text
            self.reliable(("MSG", seq), build("MSG", conn, self.me, seq, text), addr, resend=self.fault != "no-msg-resend")

    def maybe_terminate(self):
        settled = (not self.unacked and not self.backlog) or self.fault == "term-early"
        if self.want_end and settled and "TERMINATE" not in self.pending:
            pid, addr, conn = self.peer
            self.reliable("TERMINATE", build("TERMINATE", conn, self.me), addr, resend=self.fault != "no-term-resend")

    def end_connection(self, by_peer):
        pid, addr, conn = self.peer
        for key in [k for k in self.pending if isinstance(k, tuple) or k == "TERMINATE"]:
            del self.pending[key]
        if self.fault != "no-term-repeat":
            self.closed[conn] = pid
        self.state = "idle"
        say("connection terminated by client %d" % pid if by_peer else "connection with client %d terminated" % pid)

    # network
    def datagram(self, data, addr):
        try:
            verb, f = parse(data)
        except Malformed:
            if self.fault == "crash-malformed":
                raise RuntimeError("cannot handle %r" % data[:40])
            return
        if addr == self.server:
            self.from_server(verb, f)
        else:
            self.from_peer(verb, f, addr)

    def from_server(self, verb, f):
        if verb == "REGISTERED" and f[0] == self.me:
            self.pending.pop("REGISTER", None)
            if not self.registered:
                say("registered as client %d" % self.me)
            self.registered = True
        elif verb == "LEFT" and f[0] == self.me and self.leaving:
            say("client %d left the server" % self.me)
            sys.exit(0)
        elif self.state == "lookup" and verb in ("PEER", "INACTIVE") and f[0] == self.peer[0]:
            if not (verb == "INACTIVE" and self.fault == "lookup-after-inactive"):
                self.pending.pop("LOOKUP", None)
            if verb == "INACTIVE":
                say("client %d is inactive" % f[0])
                self.state = "idle"
                return
            conn = random.randint(1, 4294967295)
            addr = (f[1], f[2])
            self.peer = (f[0], addr, conn)
            self.state = "connecting"
            self.reliable("CONNECT", build("CONNECT", conn, self.me), addr, resend=self.fault != "no-connect-resend")

    def from_peer(self, verb, f, addr):
        conn, pid = f[0], f[1]
        if verb == "CONNECT":
            if conn in self.answers and not (self.fault == "reprompt" and self.state == "prompting"):
                self.send(self.answers[conn], addr)
            elif self.state == "prompting" and self.peer[2] == conn and self.fault != "reprompt":
                pass
            elif self.state in ("idle",) or (self.fault == "reprompt" and self.state == "prompting" and self.peer[2] == conn):
                self.state = "prompting"
                self.peer = (pid, addr, conn)
                say("client %d wants to connect: /accept or /reject?" % pid)
            elif self.fault == "no-busy-reject":
                pass
            else:
                self.send(build("REJECT", conn, self.me), addr)
            return
        if verb == "TERMINATE" and conn in self.closed and self.closed[conn] == pid:
            self.send(build("TERMINATED", conn, self.me), addr)
            return
        if self.state == "connecting":
            ppid, paddr, pconn = self.peer
            accepted = ("ACCEPT", "REJECT") if self.fault == "no-msg-accept" else ("ACCEPT", "REJECT", "MSG")
            if conn == pconn and pid == ppid and (addr == paddr or self.fault == "accept-any-source") and verb in accepted:
                if not (verb == "ACCEPT" and self.fault == "connect-after-accept"):
                    self.pending.pop("CONNECT", None)
                if verb == "REJECT":
                    say("connection rejected by client %d" % pid)
                    self.state = "idle"
                    return
                self.state = "connected"
                self.reset_session()
                say("connection established with client %d" % pid)
                if verb == "ACCEPT":
                    return
        if self.state != "connected":
            return
        ppid, paddr, pconn = self.peer
        if self.fault != "ignore-conn" and (conn != pconn or pid != ppid or addr != paddr):
            return
        if verb == "MSG":
            seq, text = f[2], f[3]
            if seq < self.expected:
                if self.fault != "no-reack":
                    self.send(build("ACK", pconn, self.me, seq), addr)
                if self.fault == "no-dedup":
                    say("[%d] %s" % (pid, text))
                return
            if seq >= self.expected + WINDOW and self.fault != "no-window":
                return
            self.send(build("ACK", pconn, self.me, seq), addr)
            if self.fault == "no-order":
                say("[%d] %s" % (pid, text))
                self.expected = max(self.expected, seq + 1)
                return
            if self.fault == "no-dedup" and (seq in self.held):
                say("[%d] %s" % (pid, text))
            self.held[seq] = text
            while self.expected in self.held:
                say("[%d] %s" % (pid, self.held.pop(self.expected)))
                self.expected += 1
        elif verb == "ACK":
            seq = f[2]
            if seq in self.unacked:
                del self.unacked[seq]
                self.pending.pop(("MSG", seq), None)
                self.pump()
                self.maybe_terminate()
        elif verb == "TERMINATE":
            if self.fault == "no-terminated":
                return
            self.send(build("TERMINATED", pconn, self.me), addr)
            for seq, text in sorted(self.unacked.items()):
                say("not delivered (message %d): %s" % (seq, text))
            self.end_connection(by_peer=True)
        elif verb == "TERMINATED" and "TERMINATE" in self.pending:
            self.end_connection(by_peer=False)

    def run(self):
        self.reliable("REGISTER", build("REGISTER", self.me, self.adv), self.server,
                      resend=self.fault != "no-register-resend")
        stdin_open = True
        buffered = b""
        while True:
            deadline = self.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            readers = [self.sock] + ([sys.stdin.fileno()] if stdin_open else [])
            ready, _, _ = select.select(readers, [], [], timeout)
            if self.sock in ready:
                data, addr = self.sock.recvfrom(65535)
                self.datagram(data, addr)
            if stdin_open and sys.stdin.fileno() in ready:
                chunk = os.read(sys.stdin.fileno(), 4096)
                if not chunk:
                    stdin_open = False
                buffered += chunk
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    self.command(line.decode("utf-8", "replace"))
            self.tick()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--id", type=int, required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--advertise-port", type=int, default=0)
    ap.add_argument("--rto", type=float, default=10.0)
    ap.add_argument("--fault", choices=FAULTS, default="none")
    Client(ap.parse_args()).run()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
