#!/usr/bin/env python3
"""wordy server: the assignment's own words on the wire, ids chosen by the clients.
Known-faulty fixture written by the udpchat project in the shape of real submissions (FAULTS.md).

  python3 server.py [--port 7070]

Known fault: a Join for an id that another address holds takes the id over (no refusal).
"""
import argparse
import socket


def show(table):
    print("Active clients: %d" % len(table))
    print("  id  host       port")
    for client, (host, port) in sorted(table.items()):
        print("  %-3d %-10s %d" % (client, host, port))
    print(flush=True)


def number(text, limit=2 ** 31 - 1):
    value = int(text)
    if not 0 < value <= limit or str(value) != text:
        raise ValueError(text)
    return value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=7070)
    args = ap.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", args.port))
    print("server listening on UDP port %d" % args.port, flush=True)
    owner = {}      # id -> source address
    table = {}      # id -> (host, advertised port)
    while True:
        data, source = sock.recvfrom(2048)
        try:
            words = data.decode().rstrip("\r\n").split(" ")
            if words[:2] == ["Join", "Client"] and len(words) == 5 and words[3] == "Port":
                client, port = number(words[2]), number(words[4], 65535)
                if any(address == source and other != client for other, address in owner.items()):
                    continue   # this address already holds another id: refused, silently
                changed = table.get(client) != (source[0], port)
                # FAULT: no check that the id belongs to someone else: the newcomer takes it
                owner[client] = source
                table[client] = (source[0], port)
                sock.sendto(b"Joined Client %d" % client, source)
                if changed:
                    show(table)
            elif words[:2] == ["Lookup", "Client"] and len(words) == 3:
                client = number(words[2])
                if source not in owner.values():
                    continue   # only registered clients may ask
                if client in table:
                    sock.sendto(b"Client %d Port %d" % (client, table[client][1]), source)
                else:
                    sock.sendto(b"Client %d Inactive" % client, source)
            elif words[:2] == ["Client", "Leave"] and len(words) == 3:
                client = number(words[2])
                if client in owner and owner[client] != source:
                    continue   # not the owner's: ignored
                if client in table:
                    del owner[client], table[client]
                    show(table)
                sock.sendto(b"Client Left %d" % client, source)
            else:
                print("ignored: %r" % data, flush=True)
        except (UnicodeDecodeError, ValueError):
            print("ignored: %r" % data, flush=True)


if __name__ == "__main__":
    main()
