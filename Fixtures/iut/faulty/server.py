#!/usr/bin/env python3
"""A small, correct udpchat v1 server, with ONE optional deliberate fault (--fault NAME).

Known-faulty fixture for the conformance grader (`udpchat grade`); never used by the product.
Faults (each caught by the grader case named after the colon):
  no-repeat            ignores a repeated REGISTER from the owner         : S-REGISTER-REPEAT
  hijackable           lets another address take a registered id          : S-ID-IN-USE
  address-reuse        lets one address hold two ids                      : S-ADDRESS-IN-USE
  lookup-unregistered  answers LOOKUP from unregistered addresses         : S-LOOKUP-UNREGISTERED
  no-left-unknown      does not answer LEAVE for an id nobody holds       : S-LEAVE-REPEAT
  leave-any            lets any address remove an id                      : S-LEAVE-NOT-OWNER
  source-port          PEER gives the source port, not the advertised one : S-ADVERTISED-PORT
  crash-malformed      crashes on a malformed datagram                    : S-MALFORMED
  answer-malformed     answers malformed datagrams with ERROR             : S-MALFORMED
  address-first        ADDRESS_IN_USE wins over ID_IN_USE                 : S-ID-IN-USE
  no-refresh           a REGISTER with a new port keeps the old one       : S-REGISTER-REPEAT
"""
import argparse
import socket
import sys

from udpwire import Malformed, build, parse

FAULTS = ["none", "no-repeat", "hijackable", "address-reuse", "lookup-unregistered", "no-left-unknown",
          "leave-any", "source-port", "crash-malformed", "answer-malformed", "address-first", "no-refresh"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=7070)
    ap.add_argument("--fault", choices=FAULTS, default="none")
    args = ap.parse_args()
    fault = args.fault
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", args.port))
    table = {}   # id -> (owner address, advertised port)
    print("server listening on udp %d" % args.port, flush=True)

    def show():
        print("clients: " + (", ".join("%d=%s:%d" % (i, table[i][0][0], table[i][1]) for i in sorted(table)) or "(none)"),
              flush=True)

    def owner_of(addr):
        for i, (owner, _) in table.items():
            if owner == addr:
                return i
        return None

    while True:
        data, addr = sock.recvfrom(65535)
        try:
            verb, f = parse(data)
        except Malformed as error:
            if fault == "crash-malformed":
                raise RuntimeError("cannot handle %r" % data[:40])
            if fault == "answer-malformed":
                sock.sendto(b"ERROR NOT_REGISTERED 1", addr)
            print("dropped malformed datagram from %s:%d (%s)" % (addr[0], addr[1], error), file=sys.stderr, flush=True)
            continue
        reply = None
        if verb == "REGISTER":
            cid, port = f
            current = table.get(cid)
            if fault == "address-first" and owner_of(addr) not in (None, cid):
                reply = build("ERROR", "ADDRESS_IN_USE", cid)
            elif current and current[0] != addr and fault != "hijackable":
                reply = build("ERROR", "ID_IN_USE", cid)
            elif owner_of(addr) not in (None, cid) and fault != "address-reuse":
                reply = build("ERROR", "ADDRESS_IN_USE", cid)
            elif current and current[0] == addr and fault == "no-repeat":
                reply = None
            else:
                if not (current and fault == "no-refresh"):
                    table[cid] = (addr, port)
                reply = build("REGISTERED", cid, port)
                if current != (addr, port):
                    show()
        elif verb == "LOOKUP":
            (cid,) = f
            if owner_of(addr) is None and fault != "lookup-unregistered":
                reply = build("ERROR", "NOT_REGISTERED", cid)
            elif cid in table:
                owner, port = table[cid]
                reply = build("PEER", cid, owner[0], owner[1] if fault == "source-port" else port)
            else:
                reply = build("INACTIVE", cid)
        elif verb == "LEAVE":
            (cid,) = f
            current = table.get(cid)
            if current is None:
                reply = None if fault == "no-left-unknown" else build("LEFT", cid)
            elif current[0] != addr and fault != "leave-any":
                reply = build("ERROR", "NOT_OWNER", cid)
            else:
                del table[cid]
                reply = build("LEFT", cid)
                show()
        if reply is not None:
            sock.sendto(reply, addr)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
