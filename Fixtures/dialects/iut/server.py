#!/usr/bin/env python3
"""A small udpchat server speaking a dialect (--wire colon | json), with ONE optional fault.

Known-faulty fixture for dialect support (docs/DIALECTS.md); never used by the product.
The colon wire has no ERROR: where the contract answers ERROR, this server stays silent.
--silent-register: REGISTER is never answered (../quiet.dialect.yaml: a dialect without REGISTERED).
Faults:
  no-repeat        ignores a repeated REGISTER from the owner           : S-REGISTER-REPEAT
  hijackable       lets another address take a registered id            : S-ID-IN-USE
  leave-any        lets any address remove an id                        : S-LEAVE-NOT-OWNER
  crash-malformed  crashes on a malformed datagram                      : S-MALFORMED
"""
import argparse
import socket
import sys

from dialectwire import Malformed, codec

FAULTS = ["none", "no-repeat", "hijackable", "leave-any", "crash-malformed"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wire", choices=["colon", "json"], required=True)
    ap.add_argument("--port", type=int, default=7070)
    ap.add_argument("--fault", choices=FAULTS, default="none")
    ap.add_argument("--silent-register", action="store_true")
    args = ap.parse_args()
    parse, build = codec(args.wire)
    fault = args.fault
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", args.port))
    table = {}  # id -> (owner address, advertised port)
    print("%s server listening on udp %d" % (args.wire, sock.getsockname()[1]), flush=True)

    def show():
        print("clients: " + (", ".join("%d=%s:%d" % (i, table[i][0][0], table[i][1]) for i in sorted(table)) or "(none)"),
              flush=True)

    def owner_of(addr):
        return next((i for i, (owner, _) in table.items() if owner == addr), None)

    def send(verb, **fields):
        if verb == "REGISTERED" and args.silent_register:
            return
        data = build(verb, fields)
        if data is not None:
            sock.sendto(data, addr)

    while True:
        data, addr = sock.recvfrom(65535)
        try:
            verb, f = parse(data)
        except (Malformed, ValueError) as error:
            if fault == "crash-malformed":
                raise RuntimeError("cannot handle %r" % data[:40])
            print("dropped malformed datagram (%s)" % error, file=sys.stderr, flush=True)
            continue
        if verb == "REGISTER":
            cid, port = f["id"], f["port"]
            held = table.get(cid)
            if held and held[0] != addr and fault != "hijackable":
                send("ERROR", code="ID_IN_USE", id=cid)
            elif owner_of(addr) not in (None, cid):
                send("ERROR", code="ADDRESS_IN_USE", id=cid)
            elif held and held[0] == addr:
                if fault == "no-repeat":
                    continue
                table[cid] = (addr, port)
                send("REGISTERED", id=cid, port=port)
                if held[1] != port:
                    show()
            else:
                table[cid] = (addr, port)
                send("REGISTERED", id=cid, port=port)
                show()
        elif verb == "LOOKUP":
            if owner_of(addr) is None:
                send("ERROR", code="NOT_REGISTERED", id=f["id"])
            elif f["id"] in table:
                owner, port = table[f["id"]]
                send("PEER", id=f["id"], host=owner[0], port=port)
            else:
                send("INACTIVE", id=f["id"])
        elif verb == "LEAVE":
            held = table.get(f["id"])
            if held and held[0] != addr and fault != "leave-any":
                send("ERROR", code="NOT_OWNER", id=f["id"])
                continue
            if held:
                del table[f["id"]]
                show()
            send("LEFT", id=f["id"])


if __name__ == "__main__":
    main()
