#!/usr/bin/env python3
"""A small udpchat client speaking a dialect (--wire colon | json), with ONE optional fault.

Known-faulty fixture for dialect support (docs/DIALECTS.md); never used by the product.
Without --id it asks for its id on standard input first (a manifest's `input.start`).
The colon wire names a connection by its two peers (no token) and, like real ones, sends
CHAT from a second socket (peer-source: any); acknowledgements come back to that socket.
Commands on stdin: /connect ID, /accept, /reject, /end, /quit, anything else is chat text.
It shows the reference client's console lines ("[<id>] <text>", "connection established with client 2", …),
so live scenarios judge it with the same checks as the reference client.
Faults:
  no-dedup        displays a duplicate message again                      : C-MSG-DEDUP
  no-msg-resend   never re-sends an unacknowledged message                 : C-MSG-RESEND
  no-leave-resend sends LEAVE once                                         : C-LEAVE-RESEND
"""
import argparse
import os
import random
import select
import socket
import sys
import time

from dialectwire import Malformed, codec

FAULTS = ["none", "no-dedup", "no-msg-resend", "no-leave-resend"]


class Lines:
    """Standard input as whole lines, read without Python's buffering: lines typed together would
    otherwise wait in sys.stdin's buffer, where select() cannot see them."""

    def __init__(self):
        self.partial = b""
        self.queued = []
        self.eof = False

    def read(self):
        chunk = os.read(0, 65536)
        self.eof = not chunk
        *complete, self.partial = (self.partial + chunk).split(b"\n")
        self.queued += [line.decode("utf-8", "replace") for line in complete]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wire", choices=["colon", "json"], required=True)
    ap.add_argument("--id", type=int)
    ap.add_argument("--server", default="127.0.0.1:7070")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--advertise-port", type=int)
    ap.add_argument("--rto", type=float, default=10.0)
    ap.add_argument("--fault", choices=FAULTS, default="none")
    args = ap.parse_args()
    parse, build = codec(args.wire)
    colon = args.wire == "colon"
    stdin = Lines()
    if args.id is None:
        print("your id? ", end="", flush=True)
        while not stdin.queued and not stdin.eof:
            stdin.read()
        args.id = int(stdin.queued.pop(0).strip())
    me = args.id
    host, port = args.server.rsplit(":", 1)
    server = (host, int(port))
    main_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    main_sock.bind(("127.0.0.1", args.port))
    chat_sock = main_sock
    if colon:
        chat_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        chat_sock.bind(("127.0.0.1", 0))
    advertised = args.advertise_port or main_sock.getsockname()[1]

    pending = {}  # key -> [datagram, socket, address, next due]
    state = {"peer": None, "addr": None, "conn": None, "prompt": None, "out": 0, "next": 1, "quitting": False,
             "registered": False, "target": None, "ending": False}
    seen_connects = {}
    held = {}  # seq -> text of messages that arrived ahead of the next expected one
    ended = set()  # (peer id, conn) of connections that ended: a repeated TERMINATE is answered again
    window = 32

    def from_peer(addr):
        # The colon wire's peers send chat from a second socket (peer-source: any): only the host is theirs.
        return state["addr"] is not None and (addr[0] == state["addr"][0] if colon else addr == state["addr"])

    def connected(peer):
        held.clear()
        state.update(peer=peer, out=0, next=1)
        say("connection established with client %d" % peer)

    def send(sock, addr, verb, **fields):
        data = build(verb, fields)
        if data is not None:
            sock.sendto(data, addr)
        return data

    def reliable(key, sock, addr, verb, **fields):
        data = send(sock, addr, verb, **fields)
        if not (key.startswith("msg") and args.fault == "no-msg-resend") and not (key == "leave" and args.fault == "no-leave-resend"):
            pending[key] = [data, sock, addr, time.monotonic() + args.rto]

    def say(text):
        print(text, flush=True)

    def peer_fields():
        return {"conn": state["conn"], "id": me}

    reliable("register", main_sock, server, "REGISTER", id=me, port=advertised)
    inputs = [main_sock, sys.stdin] + ([chat_sock] if chat_sock is not main_sock else [])
    while True:
        now = time.monotonic()
        timeout = 0.0 if stdin.queued else max(0.0, min([p[3] for p in pending.values()], default=now + 1) - now)
        ready, _, _ = select.select(inputs, [], [], timeout)
        if stdin.queued and sys.stdin not in ready:
            ready.append(sys.stdin)
        now = time.monotonic()
        for key, p in list(pending.items()):
            if p[3] <= now:
                p[1].sendto(p[0], p[2])
                p[3] = now + args.rto
        for source in ready:
            if source is sys.stdin:
                if not stdin.queued:
                    stdin.read()
                    if stdin.eof:
                        inputs.remove(sys.stdin)
                    if not stdin.queued:
                        continue
                line = stdin.queued.pop(0).rstrip("\r")
                if line.startswith("/connect "):
                    state["target"] = int(line.split()[1])
                    reliable("lookup", main_sock, server, "LOOKUP", self=me, id=state["target"])
                elif line in ("/accept", "/reject") and state["prompt"]:
                    peer, addr, conn = state["prompt"]
                    state["prompt"] = None
                    verb = "ACCEPT" if line == "/accept" else "REJECT"
                    seen_connects[(peer, conn)] = verb
                    if verb == "ACCEPT":
                        state.update(addr=addr, conn=conn)
                        connected(peer)
                    send(main_sock, addr, verb, conn=conn, id=me)
                elif line == "/end" and state["peer"]:
                    state["ending"] = True  # TERMINATE goes once every own message is acknowledged
                elif line == "/quit":
                    state["quitting"] = True
                    reliable("leave", main_sock, server, "LEAVE", id=me)
                elif state["peer"] and line:
                    state["out"] += 1
                    reliable("msg%d" % state["out"], chat_sock, state["addr"], "MSG", seq=state["out"], text=line, **peer_fields())
                continue
            data, addr = source.recvfrom(65535)
            try:
                verb, f = parse(data)
            except (Malformed, ValueError):
                continue
            if (verb == "MSG" and "connect" in pending and f["id"] == state["target"] and f["conn"] == state["conn"]
                    and from_peer(addr)):
                pending.pop("connect")  # a MSG on the pending connection means the ACCEPT was lost
                connected(f["id"])
            if verb == "REGISTERED" and f["id"] == me:
                pending.pop("register", None)
                if not state["registered"]:
                    state["registered"] = True
                    say("registered as client %d" % me)
            elif verb == "PEER" and f["id"] == state["target"] and "lookup" in pending:
                pending.pop("lookup")
                state["conn"] = None if colon else random.randint(1, 4294967295)
                state["addr"] = (f.get("host", addr[0]), f["port"])
                reliable("connect", main_sock, state["addr"], "CONNECT", conn=state["conn"], id=me)
            elif verb == "INACTIVE" and "lookup" in pending:
                pending.pop("lookup")
                say("client %d is inactive" % f["id"])
            elif verb == "LEFT" and f["id"] == me:
                pending.pop("leave", None)
                say("client %d left the server" % me)
                return
            elif (verb in ("ACCEPT", "REJECT") and "connect" in pending and f["id"] == state["target"]
                  and f["conn"] == state["conn"] and from_peer(addr)):
                pending.pop("connect")
                if verb == "ACCEPT":
                    connected(f["id"])
                else:
                    say("connection rejected by client %d" % f["id"])
            elif verb == "CONNECT":
                key = (f["id"], f["conn"])
                if key in seen_connects:
                    send(main_sock, addr, seen_connects[key], conn=f["conn"], id=me)
                elif state["peer"] or "connect" in pending:
                    send(main_sock, addr, "REJECT", conn=f["conn"], id=me)
                elif not state["prompt"]:
                    state["prompt"] = (f["id"], addr, f["conn"])
                    say("client %d wants to connect: /accept or /reject?" % f["id"])
            elif verb == "MSG" and f["id"] == state["peer"] and f["conn"] == state["conn"] and from_peer(addr):
                seq = f["seq"]
                if seq >= state["next"] + window:
                    continue  # outside the window: dropped without an ACK
                send(source, addr, "ACK", conn=f["conn"], id=me, seq=seq)
                if seq < state["next"]:
                    if args.fault == "no-dedup":
                        say("[%d] %s" % (f["id"], f["text"]))
                    continue
                held[seq] = f["text"]
                while state["next"] in held:
                    say("[%d] %s" % (f["id"], held.pop(state["next"])))
                    state["next"] += 1
            elif verb == "ACK" and f["id"] == state["peer"] and from_peer(addr):
                pending.pop("msg%d" % f["seq"], None)
            elif verb == "TERMINATE" and ((f["id"] == state["peer"] and f["conn"] == state["conn"] and from_peer(addr))
                                          or (f["id"], f["conn"]) in ended):
                send(main_sock, addr, "TERMINATED", conn=f["conn"], id=me)
                if state["peer"] == f["id"]:
                    ended.add((f["id"], f["conn"]))
                    state.update(peer=None, conn=None, ending=False)
                    say("connection terminated by client %d" % f["id"])
            elif verb == "TERMINATED" and "terminate" in pending:
                pending.pop("terminate")
                ended.add((state["peer"], state["conn"]))
                say("connection with client %d terminated" % state["peer"])
                state.update(peer=None, conn=None)
        if state["ending"] and state["peer"] and not any(key.startswith("msg") for key in pending):
            state["ending"] = False
            reliable("terminate", main_sock, state["addr"], "TERMINATE", **peer_fields())


if __name__ == "__main__":
    main()
