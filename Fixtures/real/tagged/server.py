#!/usr/bin/env python3
"""tagged server: every request is "PKT <bit> <KIND> ...", every answer "ACK <bit> ..." with the
request's bit echoed; users are known by name. Pinned to UDP 7070, no options.
Known-faulty fixture written by the udpchat project in the shape of real submissions (FAULTS.md).

  PKT 0 REG alice    -> ACK 0 OK            (JOIN is accepted too; the source port is the user's port)
                     -> ACK 0 TAKEN         (the name belongs to another address, or this address has a name)
  PKT 1 GET bob      -> ACK 1 PORT 40943    or  ACK 1 NONE
  PKT 0 BYE alice    -> ACK 0 OK            (QUIT and LEAVE are accepted too)

Known fault: BYE for a name that is not registered (a repeat whose answer was lost) gets no answer.
"""
import socket

PORT = 7070


def table(users):
    print("---- online: %d ----" % len(users))
    for name, (host, port) in users.items():
        print("%-12s %s:%d" % (name, host, port))
    print("--------------------", flush=True)


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", PORT))
    print("tagged server on port %d" % PORT, flush=True)
    users = {}   # name -> address
    while True:
        data, source = sock.recvfrom(1500)
        fields = data.decode(errors="replace").split()
        if len(fields) != 4 or fields[0] != "PKT" or fields[1] not in ("0", "1"):
            print("bad packet from %s:%d: %r" % (source[0], source[1], data), flush=True)
            continue
        _, bit, kind, name = fields
        reply = None
        if kind in ("REG", "JOIN"):
            holder = users.get(name)
            if holder is not None and holder != source:
                reply = "TAKEN"
            elif holder is None and source in users.values():
                reply = "TAKEN"    # this address already has another name
            else:
                users[name] = source
                reply = "OK"
                if holder is None:
                    table(users)
        elif kind == "GET":
            if source in users.values():
                reply = "PORT %d" % users[name][1] if name in users else "NONE"
        elif kind in ("BYE", "QUIT", "LEAVE"):
            if users.get(name) == source:
                del users[name]
                reply = "OK"
                table(users)
            # FAULT: an unknown name (already removed: our OK was lost) gets no answer at all
        if reply is not None:
            sock.sendto(("ACK %s %s" % (bit, reply)).encode(), source)


if __name__ == "__main__":
    main()
