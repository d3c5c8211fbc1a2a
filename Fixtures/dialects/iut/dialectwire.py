"""Wire codecs of the two fixture dialects (../colon.dialect.yaml, ../json.dialect.yaml).

Hand-written on purpose, the way a student would: these implementations are what udpchat's
dialect files must describe. parse() returns (verb, fields) in the contract's words, e.g.
("MSG", {"id": 3, "seq": 7, "text": "hi", "conn": None}); build() takes the same.
"""
import json

MAX_ID = 2147483647


class Malformed(Exception):
    pass


def number(text, maximum=MAX_ID):
    if isinstance(text, bool) or not (isinstance(text, int) or (isinstance(text, str) and text.isdigit() and text.isascii())):
        raise Malformed("not a number: %r" % (text,))
    if isinstance(text, str) and len(text) > 1 and text[0] == "0":
        raise Malformed("leading zero")
    value = int(text)
    if not 1 <= value <= maximum:
        raise Malformed("out of range: %r" % (text,))
    return value


# ---- colon: "CHAT:<id>:<seq>:<text>", no connection tokens, no ERROR ----
COLON_OUT = {"REGISTER": "REGISTER", "REGISTERED": "REGISTERED", "LOOKUP": "QUERY", "PEER": "PORT",
             "INACTIVE": "INACTIVE", "LEAVE": "LEAVE", "LEFT": "LEAVE_ACK", "CONNECT": "CONNECTION_REQUEST",
             "ACCEPT": "CONNECTION_ACCEPT", "REJECT": "CONNECTION_REJECT", "MSG": "CHAT", "ACK": "ACK",
             "TERMINATE": "CONNECTION_TERMINATE", "TERMINATED": "ACK_TERMINATE"}
COLON_IN = {word: verb for verb, word in COLON_OUT.items()}


def colon_parse(data):
    if len(data) > 1200:
        raise Malformed("too long")
    text = data.decode("utf-8")  # UnicodeDecodeError is a ValueError: callers catch it
    if text.endswith("\n"):
        text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
    if any(c in text for c in "\0\r\n"):
        raise Malformed("forbidden character")
    word, _, rest = text.partition(":")
    verb = COLON_IN.get(word)
    if verb is None:
        raise Malformed("unknown verb")
    if verb == "MSG":
        parts = rest.split(":", 2)
        if len(parts) != 3 or not 1 <= len(parts[2].encode()) <= 1000:
            raise Malformed("bad CHAT")
        return verb, {"id": number(parts[0]), "seq": number(parts[1]), "text": parts[2], "conn": None}
    parts = rest.split(":")
    if verb in ("REGISTER", "PEER", "ACK", "LOOKUP"):
        if len(parts) != 2:
            raise Malformed("field count")
        if verb == "LOOKUP":
            return verb, {"self": number(parts[0]), "id": number(parts[1])}
        second = "seq" if verb == "ACK" else "port"
        return verb, {"id": number(parts[0]), second: number(parts[1], 65535 if second == "port" else MAX_ID), "conn": None}
    if len(parts) != 1:
        raise Malformed("field count")
    return verb, {"id": number(parts[0]), "conn": None}


def colon_build(verb, f):
    word = COLON_OUT.get(verb)
    if word is None:
        return None  # no such message (ERROR)
    if verb == "MSG":
        return ("CHAT:%d:%d:%s" % (f["id"], f["seq"], f["text"])).encode()
    if verb == "LOOKUP":
        return ("QUERY:%d:%d" % (f["self"], f["id"])).encode()
    if verb in ("REGISTER", "PEER"):
        return ("%s:%d:%d" % (word, f["id"], f["port"])).encode()
    if verb == "ACK":
        return ("ACK:%d:%d" % (f["id"], f["seq"])).encode()
    return ("%s:%d" % (word, f["id"])).encode()


# ---- json: {"type": "chat", "conn": 1, "from": 3, "seq": 7, "text": "hi"} + "\n" ----
JSON_TYPES = {"REGISTER": "register", "REGISTERED": "registered", "LOOKUP": "lookup", "PEER": "peer",
              "INACTIVE": "inactive", "LEAVE": "leave", "LEFT": "left", "ERROR": "error", "CONNECT": "connect",
              "ACCEPT": "accept", "REJECT": "reject", "MSG": "chat", "ACK": "ack", "TERMINATE": "terminate",
              "TERMINATED": "terminated"}
JSON_VERBS = {t: v for v, t in JSON_TYPES.items()}
CODES = {"ID_IN_USE": "id_taken", "ADDRESS_IN_USE": "address_taken", "NOT_OWNER": "not_owner",
         "NOT_REGISTERED": "not_registered"}
PEER_VERBS = ("CONNECT", "ACCEPT", "REJECT", "MSG", "ACK", "TERMINATE", "TERMINATED")


def json_parse(data):
    if len(data) > 1200:
        raise Malformed("too long")
    try:
        obj = json.loads(data.decode("utf-8"))
    except ValueError as error:
        raise Malformed("not JSON: %s" % error)
    if not isinstance(obj, dict):
        raise Malformed("not an object")
    kind = obj.get("type")
    verb = JSON_VERBS.get(kind.lower() if isinstance(kind, str) else None)
    if verb is None:
        raise Malformed("unknown type")
    try:
        if verb in PEER_VERBS:
            f = {"conn": number(obj["conn"], 4294967295), "id": number(obj["from"])}
            if verb in ("MSG", "ACK"):
                f["seq"] = number(obj["seq"])
            if verb == "MSG":
                text = obj["text"]
                if not isinstance(text, str) or not 1 <= len(text.encode()) <= 1000 or any(c in text for c in "\0\r\n"):
                    raise Malformed("bad text")
                f["text"] = text
            return verb, f
        f = {"id": number(obj["id"])}
        if verb in ("REGISTER", "REGISTERED", "PEER"):
            f["port"] = number(obj["port"], 65535)
        if verb == "PEER":
            f["host"] = obj["host"]
        if verb == "LOOKUP":
            f["self"] = number(obj["from"])
        if verb == "ERROR":
            f["code"] = {w: c for c, w in CODES.items()}[obj["code"]]
        return verb, f
    except (KeyError, TypeError) as error:
        raise Malformed("missing or bad field %s" % error)


def json_build(verb, f):
    obj = {"type": JSON_TYPES[verb]}
    if verb in PEER_VERBS:
        obj["conn"] = f["conn"]
        obj["from"] = f["id"]
        if verb in ("MSG", "ACK"):
            obj["seq"] = f["seq"]
        if verb == "MSG":
            obj["text"] = f["text"]
    else:
        if verb == "ERROR":
            obj["code"] = CODES[f["code"]]
        if verb == "LOOKUP":
            obj["from"] = f["self"]
        obj["id"] = f["id"]
        if verb == "PEER":
            obj["host"] = f["host"]
        if verb in ("REGISTER", "REGISTERED", "PEER"):
            obj["port"] = f["port"]
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode()


WIRES = {"colon": (colon_parse, colon_build), "json": (json_parse, json_build)}


def codec(name):
    """(parse, build) for a wire name; parse raises Malformed (or ValueError for bad UTF-8)."""
    return WIRES[name]
