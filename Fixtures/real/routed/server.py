#!/usr/bin/env python3
"""routed server: relays everything between clients; each datagram names its receiver
("TO 2 MSG 1 hi") and is handed over naming its sender ("FROM 3 MSG 1 hi").
Pinned to UDP 7070, no options.
Known-faulty fixture written by the udpchat project in the shape of real submissions (FAULTS.md).

  HELLO 3          -> success | failure (id 3 belongs to another address)
  TO 2 <anything>  -> to client 2: FROM 3 <anything>; if 2 is not here: Client 2 Inactive
  BYE 3            -> Client Left

Known fault: the table of clients is never printed.
"""
import socket


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 7070))
    print("relay server up on 7070", flush=True)
    where = {}      # id -> address
    while True:
        data, source = sock.recvfrom(2048)
        words = data.decode(errors="replace").split(" ")
        sender = next((client for client, address in where.items() if address == source), None)
        if len(words) == 2 and words[0] == "HELLO" and words[1].isdigit() and words[1][0] != "0":
            client = int(words[1])
            if where.get(client, source) != source or sender not in (None, client):
                sock.sendto(b"failure", source)
            else:
                where[client] = source
                sock.sendto(b"success", source)
                print("client %d joined" % client, flush=True)
                # FAULT: no table of active clients
        elif len(words) == 2 and words[0] == "BYE" and words[1].isdigit():
            client = int(words[1])
            if where.get(client) == source:
                del where[client]
                print("client %d left" % client, flush=True)
            if where.get(client) is None:
                sock.sendto(b"Client Left", source)
        elif len(words) >= 3 and words[0] == "TO" and words[1].isdigit() and sender is not None:
            receiver = int(words[1])
            if receiver in where:
                sock.sendto(("FROM %d %s" % (sender, " ".join(words[2:]))).encode(), where[receiver])
            else:
                sock.sendto(("Client %d Inactive" % receiver).encode(), source)
        else:
            print("dropped %r from %s:%d" % (data, source[0], source[1]), flush=True)


if __name__ == "__main__":
    main()
