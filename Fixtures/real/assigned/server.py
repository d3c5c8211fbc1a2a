#!/usr/bin/env python3
"""assigned server: the server numbers the clients; a client only says which port it is on.
Known-faulty fixture written by the udpchat project in the shape of real submissions (FAULTS.md).

  python3 server.py [--port 7070]

  Port 40942      -> 1                  (the id this server gives the client, as a bare number)
  Query 2         -> 2 40943            or  Client 2 Inactive
  Client Leave 1  -> Client Left

Known faults: every Port gets a new id, a repeated one too; a number that is not a number
(Port x, Query x, Client Leave x) ends the server.
"""
import argparse
import socket


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=7070)
    args = ap.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", args.port))
    print("Server started on port %d" % args.port, flush=True)
    clients = {}        # id -> (host, port)
    last_id = 0
    while True:
        data, source = sock.recvfrom(1024)
        text = data.decode(errors="replace").strip()
        print("<- %s:%d %s" % (source[0], source[1], text), flush=True)
        if text.startswith("Port "):
            # FAULT: no look-up of who is asking: a repeated Port is a new client
            port = int(text[5:])                              # FAULT: "Port x" raises and ends the server
            if not 0 < port < 65536:
                continue
            last_id += 1
            clients[last_id] = (source[0], port)
            reply = str(last_id)
            changed = True
        elif text.startswith("Query "):
            wanted = int(text[6:])                            # FAULT: "Query x" ends the server
            if wanted in clients:
                reply = "%d %d" % (wanted, clients[wanted][1])
            else:
                reply = "Client %d Inactive" % wanted
            changed = False
        elif text.startswith("Client Leave "):
            leaving = int(text[13:])                          # FAULT: "Client Leave x" ends the server
            changed = clients.pop(leaving, None) is not None
            reply = "Client Left"
        else:
            continue
        sock.sendto(reply.encode(), source)
        print("-> %s:%d %s" % (source[0], source[1], reply), flush=True)
        if changed:
            print("Active clients:")
            print("  ID  PORT")
            for client, (host, port) in sorted(clients.items()):
                print("  %-3d %d" % (client, port))
            print(flush=True)


if __name__ == "__main__":
    main()
