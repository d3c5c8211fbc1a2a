#!/usr/bin/env python3
"""Re-creation of the observable behaviour of the assignment's original public client
(joshua-neizer/UDP-Chat-Server, Client.java), written by the udpchat project from running it.
Known-faulty fixture: see FAULTS.md. Not the original's code.

Pinned like the original: it talks only to localhost:7070, every wait is 10 s, no options.
One thread: it either waits for the user (a prompt) or for one datagram (at most 10 s), never
both, so a datagram that arrives during a prompt waits in the socket until the next receive.
Everything goes through the server: the chat is relayed, and each message must be accepted by
the receiving user ("1"/"0") before the server hands it over. The sides take turns: the one who
asked for the connection writes first, then each writes after reading the other's message.
"""
import os
import re
import socket
import sys
import time

SERVER = ("localhost", 7070)
TIMER = 10.0


class Client:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(TIMER)
        self.name = "You"
        self.friend = None
        self.options = []
        self.initiator = False
        self.running = True
        self.chatting = False
        self.seq = 0
        self.previous_in = ""

    # --- console -------------------------------------------------------------------------
    def ask(self, prompt=None):
        print("\n%s> " % self.name if prompt is None else prompt, end="", flush=True)
        line = sys.stdin.readline()
        if not line:   # end of input: the original's Scanner throws and the program dies
            sys.stderr.write('Exception in thread "main" java.util.NoSuchElementException: No line found\n')
            sys.exit(1)
        return line.rstrip("\n")

    @staticmethod
    def clear():
        # the original runs `clear`: escape codes on a terminal type, a complaint without TERM
        term = os.environ.get("TERM")
        if not term:
            sys.stderr.write("TERM environment variable not set.\n")
        elif term != "dumb":
            sys.stdout.write("\x1b[H\x1b[2J\x1b[3J")
        sys.stdout.flush()

    # --- wire ----------------------------------------------------------------------------
    def send(self, text):
        self.sock.sendto(text.encode(), SERVER)

    def receive(self):
        """One datagram, or "connection_failure" after 10 s of silence. A connection request
        relayed by the server is handled on the spot (the user is asked)."""
        try:
            data = self.sock.recv(256).decode("utf-8", "replace")
        except socket.timeout:
            return "connection_failure"
        if data.split()[:1] == ["client_ack"]:
            return self.requested(data.split())
        return data

    # --- joining -------------------------------------------------------------------------
    def join(self):
        print("Connecting to the server...", flush=True)
        while True:
            self.send("connection_request")
            if self.receive() == "connection_granted":
                break
            print("\nServer is busy, attempting to reconnect in 10 seconds...", flush=True)
            time.sleep(10)
        print("\nConnection successful!", flush=True)
        time.sleep(1)
        self.clear()
        print("Welcome to UPD Server")
        print("What display name do you want?")
        # the first word, as Java's split("\\s+") gives it: "" for an empty line or a leading space
        self.name = re.split(r"\s+", self.ask())[0]
        if self.name == "":
            self.name = "You"
            self.send("nickname _null")
        else:
            self.send("nickname " + self.name)
        self.receive()   # "success", not checked, never re-sent

    # --- menus ---------------------------------------------------------------------------
    def menu(self):
        while True:
            print("Type '_exit' to exit the program")
            print("\nDo you want to be placed in a waiting room or connect room?")
            print("Enter 1 for 'connect room', 0 for 'wait room'")
            while True:
                choice = self.ask()
                if choice == "_exit":
                    self.send("_exit")      # Client Leave: sent once, never acknowledged
                    self.running = False
                    return
                if choice in ("0", "1"):
                    break
                print("Invalid Input: Enter 1 for 'connect room', 0 for 'wait room'")
            if (self.connect_room() if choice == "1" else self.waiting_room()) == "_chat":
                return
            self.clear()
            print("Welcome Back!\n")

    def online_list(self):
        print("Clients Online:")
        self.send("online_request")
        answer = self.receive()
        if answer != "_chat":
            self.options = answer.splitlines()
            print(answer, flush=True)
        return answer

    def room_header(self):
        self.clear()
        print("Welcome to the Connect Room!")
        print("Enter '_back' to exit to the menu")

    def connect_room(self):
        while True:
            self.room_header()
            answer = self.online_list()
            while answer == "Nobody Is Online":
                print("\nPress enter to refresh the list")
                if self.ask() == "_back":
                    return "_back"
                self.room_header()
                answer = self.online_list()
            if answer == "_chat":
                self.receive()
                return "_chat"
            print("\nWho would you like to connect to?")
            typed = self.ask()
            if typed == "_back":
                return "_back"
            try:
                index = int(typed) - 1
            except ValueError:
                index = -1
            if not 0 <= index < len(self.options):
                print("Invalid Input: please enter a valid integer", flush=True)
                time.sleep(2)
                continue
            answer = self.connect_to(self.options[index].split()[1])
            if answer == "_chat":
                return "_chat"
            if answer != "connection_failure":
                break
            print("\nRequest Denied", flush=True)
            time.sleep(3)
        self.friend = answer          # the accepting side's display name
        self.initiator = True
        print("\nConnection successful!", flush=True)
        time.sleep(2)
        return "_chat"

    def connect_to(self, client):
        # the request goes to the server once; after "waiting..." one more 10 s wait, never re-sent
        self.send("client_request " + client)
        print("\nWaiting for their response...", flush=True)
        if self.receive() == "connection_failure":
            return "connection_failure"
        return self.receive()

    def waiting_room(self):
        self.clear()
        print("Welcome to the Waiting Room!")
        print("Enter '_back' to exit to the menu")
        while True:
            print("\nWaiting to be connected with...", flush=True)
            answer = self.receive()
            if answer == "_chat":
                return "_chat"
            if answer == "_denied":
                print("\nConnection Denied")
                print("Waiting to be connected with...", flush=True)
            if self.receive() == "_chat":
                return "_chat"
            print("\nType '_back' to return to menu or press enter to continue waiting")
            if self.ask() == "_back":
                return "_back"

    def requested(self, fields):
        deadline = time.time() + TIMER
        print("\n\n%s (%s) is requesting to connect with you" % (fields[1], fields[2]))
        print("Do you accept the request? \n1 for 'accept', 0 for 'reject'")
        while True:
            choice = self.ask()
            if choice in ("0", "1"):
                break
            print("Invalid Input: please 1 for accept, or 0 for reject")
        if time.time() > deadline:    # answered after 10 s: nothing is sent at all
            print("\nRequest timed out", flush=True)
            return "_denied"
        self.send("client_ack_response " + choice)
        if choice == "0":
            self.receive()
            return "_denied"
        self.friend = fields[1]
        self.receive()
        print("\nConnection successful!", flush=True)
        time.sleep(2)
        return "_chat"

    # --- chat ----------------------------------------------------------------------------
    def write(self):
        text = self.ask()
        while True:
            self.send("message_ack %d %s" % (self.seq, text))
            self.receive()                 # the server's "ack_sent"
            answer = self.receive()        # the receiver's decision, relayed; 10 s or send again
            if answer == "connection_failure":
                continue
            if answer == "ack_received":
                print("Server> Message Received", flush=True)
                if text == "_exit":
                    self.send("_exit")
                    self.chatting = False
            else:
                print("Server> Message Denied", flush=True)
            return

    def read(self):
        incoming = self.receive()
        while incoming == "connection_failure":
            incoming = self.receive()
        if incoming == self.previous_in or incoming.split()[:1] != ["message_request"]:
            return
        self.previous_in = incoming
        print("\nYou have just received a message request!")
        if incoming.split()[1] == "_exit":
            print("NOTE: Client is requesting connection termination")
        while True:
            print("\nEnter 1 to 'accept', 0 for 'reject'")
            choice = self.ask("Response> ")
            if choice in ("0", "1"):
                break
            print("Invalid Input: Enter 1 to 'accept', 0 for 'reject'")
        self.send(choice)
        incoming = self.receive()
        while incoming == self.previous_in:   # a repeated request is skipped only if it is the last thing seen
            incoming = self.receive()
        if choice == "1":
            seq, _, text = incoming.partition(" ")
            if text == "_exit":
                print("Server> Connection termination", flush=True)
                self.chatting = False
                time.sleep(3)
            print("\n%s> %s" % (self.friend, text), flush=True)
            self.seq = int(seq) + 1       # the next number is the received one plus one
        self.previous_in = incoming

    def run(self):
        self.join()
        while self.running:
            self.clear()
            self.menu()
            if not self.running:
                break
            self.clear()
            print("___Chatroom with %s___" % self.friend)
            print("Type '_exit' to terminate connection", flush=True)
            self.seq = 0
            self.previous_in = ""
            self.chatting = True
            if self.initiator:
                self.write()
            while self.chatting:
                self.read()
                if not self.chatting:
                    break
                self.write()
            self.initiator = False
        # the socket closes as the program ends, right after the unacknowledged "_exit"


if __name__ == "__main__":
    Client().run()
