#!/usr/bin/env python3
"""Re-creation of the observable behaviour of the assignment's original public server
(joshua-neizer/UDP-Chat-Server, Server.java), written by the udpchat project from running it.
Known-faulty fixture: see FAULTS.md. Not the original's code.

Pinned like the original: UDP port 7070, no options (bound to 127.0.0.1 here; the original binds
every interface). One thread, one loop. Ids are handed out by the server ("Client_1" ..
"Client_4"); a client is known by its source address. All chat is relayed by this server.
An exception in the loop ends the process with status 0, as an uncaught exception in the
original's only thread ends the JVM.
"""
import re
import socket
import sys
import traceback

PORT = 7070
MAX_CLIENTS = 4


def j(value):
    """A value as Java prints it: None is "null"."""
    return "null" if value is None else value


def words(text):
    """Splits on runs of whitespace like Java's String.split("\\s+"): a leading empty word is kept
    when the text starts with whitespace, trailing empty words are dropped (so " " has none, but "" is one empty word)."""
    if not re.search(r"\s", text):
        return [text]   # no separator: the text itself, even when empty
    parts = re.split(r"\s+", text)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


class Server:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.bind(("127.0.0.1", PORT))
        except OSError:
            print("Error starting the server", flush=True)
            sys.exit(1)
        self.free_numbers = list(range(MAX_CLIENTS, 0, -1))  # a stack: 1 is taken first
        self.id_of_address = {}     # "host:port" -> "Client_N"
        self.address_of_id = {}     # "Client_N" -> (host, port); never removed
        self.partner = {}           # "Client_N" -> "Client_M" (both ways once accepted)
        self.nickname = {}          # "Client_N" (or None for a stranger) -> display name
        self.pending_text = {}      # sender "Client_N" -> "<seq> <text>" waiting for the receiver's 1/0

    @staticmethod
    def key(address):
        return "%s:%d" % address

    def who(self, address):
        return self.id_of_address.get(self.key(address))

    def send(self, text, address):
        print("Outgoing: %s> %s" % (j(self.who(address)), j(text)), flush=True)
        if text is None:
            raise TypeError("cannot send null")  # the original dies here too
        self.sock.sendto(text.encode(), address)

    def send_to_id(self, text, client):
        self.send(text, self.address_of_id[client])

    def serve(self):
        print("\nStarting the server...", flush=True)
        while True:
            data, address = self.sock.recvfrom(256)   # longer datagrams are cut to 256 bytes
            self.handle(data.decode("utf-8", "replace"), address)

    def handle(self, text, address):
        me = self.who(address)
        other = self.partner.get(me)
        print("\nIncoming: %s> %s" % (j(me), text), flush=True)
        if other is None or self.partner.get(other) is None:
            if text == "_exit":
                self.leave(address)
            else:
                self.setup(text, address, me)
        elif text == "_exit":
            self.end_chat(me)
        else:
            self.relay(text, me)

    def setup(self, text, address, me):
        verb = words(text)[0]   # a datagram of only whitespace has no word: the server dies
        if verb == "connection_request":
            if not self.free_numbers:
                self.send("connection_denied", address)
                return
            client = "Client_%d" % self.free_numbers.pop()   # a new id for every request, even a repeated one
            self.id_of_address[self.key(address)] = client
            self.address_of_id[client] = address
            self.send("connection_granted", address)
        elif verb == "online_request":
            self.send(self.online_list(me), address)
        elif verb == "client_request":
            wanted = words(text)[1]
            self.send("waiting..." if self.ask(wanted, me) else "connection_failure", address)
        elif verb == "client_ack_response":
            answer = words(text)[1]
            self.send("connection_success" if self.answer(answer, me) else "connection_failure", address)
        elif verb == "nickname":
            name = words(text)[1]
            self.nickname[me] = me if name == "_null" else name
            self.send("success", address)
        # anything else: no answer

    def online_list(self, me):
        lines = []
        for client in self.id_of_address.values():
            if client != me:
                lines.append("[%d] %s ==> %s\n" % (len(lines) + 1, client, j(self.nickname.get(client))))
        return "".join(lines) if lines else "Nobody Is Online"

    def ask(self, wanted, me):
        if wanted not in self.address_of_id:
            return False
        if self.partner.get(wanted) is not None or self.partner.get(me) is not None:
            if self.partner[wanted] != me:   # a KeyError when only the asker is paired: the server dies
                return False
        self.partner[wanted] = me
        self.send_to_id("client_ack %s %s" % (j(self.nickname.get(me)), j(me)), wanted)
        return True

    def answer(self, answer, me):
        asker = self.partner.get(me)
        if answer != "1":
            self.send_to_id("connection_failure", asker)   # no asker: the server dies
            del self.partner[me]
            return False
        self.partner[asker] = me
        self.send_to_id(j(self.nickname.get(me)), asker)  # no asker: the server dies
        return True

    def leave(self, address):
        me = self.who(address)
        self.free_numbers.append(int(me.split("_", 1)[1]))   # a stranger's _exit: the server dies
        self.nickname.pop(me, None)
        del self.id_of_address[self.key(address)]
        # no answer, no table

    def end_chat(self, me):
        other = self.partner.pop(me, None)
        self.partner.pop(other, None)
        self.pending_text.pop(me, None)
        self.pending_text.pop(other, None)

    def relay(self, text, me):
        other = self.partner[me]
        if words(text)[0] == "message_ack":
            self.pending_text[me] = text.split(" ", 1)[1]
            self.send_to_id("ack_sent", me)
            forward = "message_request _exit" if self.pending_text[me].split(" ", 1)[1] == "_exit" else "message_request basic"
        elif text == "1":
            self.send_to_id(self.pending_text.get(other), me)   # nothing pending: the server dies
            self.pending_text[other] = None
            forward = "ack_received"
        else:
            self.send_to_id("reset", me)
            forward = "ack_denied"
        self.send_to_id(forward, other)


def main():
    server = Server()
    try:
        server.serve()
    except Exception:
        sys.stderr.write('Exception in thread "Thread-0" ')
        traceback.print_exc()
        sys.exit(0)   # the original's JVM ends with status 0 when its one thread dies


if __name__ == "__main__":
    main()
