"""Strict udpchat v1 wire codec shared by the fixture server and client (stdlib only).

Used only by the grader's known-faulty fixtures; the product never runs this code.
"""

MAX_DATAGRAM = 1200
MAX_ID = 2147483647
MAX_PORT = 65535
MAX_CONN = 4294967295

# verb -> list of numeric field limits (None = special field)
FIELDS = {
    "REGISTER": ["id", "port"], "REGISTERED": ["id", "port"],
    "LOOKUP": ["id"], "PEER": ["id", "host", "port"], "INACTIVE": ["id"],
    "LEAVE": ["id"], "LEFT": ["id"], "ERROR": ["code", "id"],
    "CONNECT": ["conn", "id"], "ACCEPT": ["conn", "id"], "REJECT": ["conn", "id"],
    "MSG": ["conn", "id", "seq", "text"], "ACK": ["conn", "id", "seq"],
    "TERMINATE": ["conn", "id"], "TERMINATED": ["conn", "id"],
}
LIMITS = {"id": MAX_ID, "port": MAX_PORT, "conn": MAX_CONN, "seq": MAX_ID}
CODES = {"ID_IN_USE", "ADDRESS_IN_USE", "NOT_OWNER", "NOT_REGISTERED"}


class Malformed(Exception):
    pass


def number(text, kind):
    if not text or not text.isascii() or not text.isdigit() or text[0] == "0":
        raise Malformed("%s %r is not a plain decimal" % (kind, text))
    value = int(text)
    if value > LIMITS[kind]:
        raise Malformed("%s %s out of range" % (kind, text))
    return value


def parse(data):
    """bytes -> (verb, [fields]) with numbers as ints; raises Malformed."""
    if len(data) > MAX_DATAGRAM:
        raise Malformed("too long")
    if data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("not utf-8")
    if not text:
        raise Malformed("empty")
    if any(c in text for c in "\x00\r\n"):
        raise Malformed("forbidden character")
    verb, _, rest = text.partition(" ")
    if verb not in FIELDS:
        raise Malformed("unknown verb")
    kinds = FIELDS[verb]
    if verb == "MSG":
        parts = rest.split(" ", 3)
    else:
        parts = rest.split(" ") if rest or " " in text else []
    if len(parts) != len(kinds):
        raise Malformed("field count")
    out = []
    for kind, part in zip(kinds, parts):
        if kind == "text":
            if not (1 <= len(part.encode("utf-8")) <= 1000):
                raise Malformed("text length")
            out.append(part)
        elif kind == "host":
            if not part or " " in part:
                raise Malformed("host")
            out.append(part)
        elif kind == "code":
            if part not in CODES:
                raise Malformed("code")
            out.append(part)
        else:
            out.append(number(part, kind))
    return verb, out


def build(verb, *fields):
    return " ".join([verb] + [str(f) for f in fields]).encode("utf-8")
