"""Edge-case encodings whose meaning the reference decides.

The random and crafted messages of ref_random.py are all valid. These are
the inputs where parsers are most likely to disagree: map entries that are
not plain (key, value) pairs, oneof members replacing one another, strings
that are not UTF-8, and valid encodings damaged at random. Each generator
returns bytes; the reference's parse says what they mean, or that they must
be rejected.
"""

from ref_random import (FD, LEN, MESSAGES, Builder, encode_value, is_closed_enum, is_map,
                        rand_bytes, rand_scalar, rand_text, rand_unknown, tag,
                        undefined_enum_value, varint, wrap)

# Map entries that differ from the (key, value) pair an encoder writes.
MAP_ENTRY_KINDS = ["unknown-inside", "missing-key", "missing-value", "empty", "value-first",
                   "key-twice"]


def map_fields(desc, kind):
    fields = [fd for fd in desc.fields if is_map(fd)]
    if kind == "closed-enum-value":
        fields = [fd for fd in fields if is_closed_enum(fd.message_type.fields_by_number[2])]
    return fields


def map_entry_piece(rng, desc, kind):
    """One occurrence of a random map field of `desc` whose entry is of the
    given kind (MAP_ENTRY_KINDS, or "closed-enum-value": the value is one its
    closed enum does not define), or None when `desc` has no fitting map."""
    fields = map_fields(desc, kind)
    if not fields:
        return None
    fd = rng.choice(fields)
    key_fd, val_fd = fd.message_type.fields_by_number[1], fd.message_type.fields_by_number[2]
    key = encode_value(key_fd, rand_scalar(rng, key_fd))
    if val_fd.type in MESSAGES:
        sub = Builder(rng, max_depth=1).fill(val_fd.message_type._concrete_class())
        val = encode_value(val_fd, sub)
    else:
        val = encode_value(val_fd, rand_scalar(rng, val_fd, known_enum_only=True))
    if kind == "unknown-inside":
        parts = [key, val, rand_unknown(rng)]
        rng.shuffle(parts)
        body = b"".join(parts)
    elif kind == "missing-key":
        body = val
    elif kind == "missing-value":
        body = key
    elif kind == "empty":
        body = b""
    elif kind == "value-first":
        body = val + key
    elif kind == "key-twice":
        body = encode_value(key_fd, rand_scalar(rng, key_fd)) + val + key
    else:
        body = key + encode_value(val_fd, undefined_enum_value(rng, val_fd))
    return wrap(fd, body)


def oneof_switch_piece(rng, desc):
    """Two members of a oneof, one after the other, the last most often a
    sub-message: the parser must drop the first, whatever its type shares
    storage with the second."""
    oneofs = [o for o in desc.oneofs if len(o.fields) > 1]
    o = rng.choice(oneofs)
    messages = [fd for fd in o.fields if fd.type in MESSAGES]
    last = rng.choice(messages) if messages and rng.random() < 0.7 else rng.choice(o.fields)
    first = rng.choice([fd for fd in o.fields if fd is not last])
    out = b""
    for fd in (first, last):
        if fd.type in MESSAGES:
            sub = Builder(rng, max_depth=1).fill(fd.message_type._concrete_class())
            out += encode_value(fd, sub)
        else:
            out += encode_value(fd, rand_scalar(rng, fd, known_enum_only=True))
    return out


# Byte sequences no UTF-8 decoder may accept: a lone continuation byte, an
# overlong NUL, a surrogate, a code point past U+10FFFF, a cut-off sequence,
# bytes that never appear in UTF-8.
BAD_UTF8 = [b"\x80", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xff",
            b"\xfe\xfe", b"\xe0\x9f\xbf"]


def bad_utf8_piece(rng, desc):
    """A string field of `desc` (singular, repeated, oneof member or map key
    or value) holding bytes that are not UTF-8 between valid text."""
    bad = (rand_text(rng).encode() + rng.choice(BAD_UTF8) + rand_text(rng).encode())
    strings = [fd for fd in desc.fields if fd.type == FD.TYPE_STRING]
    maps = [fd for fd in desc.fields if is_map(fd) and FD.TYPE_STRING in
            (fd.message_type.fields_by_number[1].type, fd.message_type.fields_by_number[2].type)]
    if maps and rng.random() < 0.3:
        fd = rng.choice(maps)
        key_fd, val_fd = fd.message_type.fields_by_number[1], fd.message_type.fields_by_number[2]
        in_key = key_fd.type == FD.TYPE_STRING and (val_fd.type != FD.TYPE_STRING or
                                                   rng.random() < 0.5)
        raw = tag(1 if in_key else 2, LEN) + varint(len(bad)) + bad
        if in_key:
            other = (encode_value(val_fd, val_fd.message_type._concrete_class())
                     if val_fd.type in MESSAGES else
                     encode_value(val_fd, rand_scalar(rng, val_fd, known_enum_only=True)))
            return wrap(fd, raw + other)
        return wrap(fd, encode_value(key_fd, rand_scalar(rng, key_fd)) + raw)
    fd = rng.choice(strings)
    return tag(fd.number, LEN) + varint(len(bad)) + bad


def corrupt(rng, data):
    """`data` truncated, with bits flipped, or with bytes inserted or
    overwritten (one of these, at random places)."""
    b = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0 or not b:
        return bytes(b[:rng.randrange(len(b) + 1)])
    if kind == 1:
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif kind == 2:
        at = rng.randrange(len(b) + 1)
        b[at:at] = rand_bytes(rng)[:rng.randint(1, 4)] or b"\x80"
    else:
        for _ in range(rng.randint(1, 2)):
            b[rng.randrange(len(b))] = rng.choice([0x00, 0x80, 0xFF, 0x7F, 0x08, 0x0A, 0x0C,
                                                   0x0B, 0x0F, 0x0E])
    return bytes(b)


def read_varint(data, pos):
    """(value, next position), or None past the end or after 10 bytes."""
    value = 0
    for i in range(10):
        if pos + i >= len(data):
            return None
        value |= (data[pos + i] & 0x7F) << (7 * i)
        if data[pos + i] < 0x80:
            return value, pos + i + 1
    return None


def outside_int32(v):
    return 2**31 <= v < 2**64 - 2**31


class _Malformed(Exception):
    pass


def ambiguous(desc, data):
    """Whether `data` holds something protobuf implementations read
    differently, all defensibly: a tag varint with bits above 32 (C++
    truncates it; upb and cgrpc reject it), or a closed-enum value outside
    int32 (C++ keeps it whole among the unknown fields; upb and cgrpc keep it
    truncated). Walks the bytes the way the reference parses them; False when
    they do not parse at all."""
    try:
        return _walk(desc, data, 0, 0)[0]
    except _Malformed:
        return False


def _varint(data, pos):
    r = read_varint(data, pos)
    if r is None:
        raise _Malformed()
    return r


def _walk(desc, data, pos, group):
    """(found, position after the message or group) from `pos`; `group` is
    the number of the group being walked, 0 at top level."""
    while pos < len(data):
        tag, pos = _varint(data, pos)
        if tag > 0xFFFFFFFF:
            return True, pos
        number, wt = tag >> 3, tag & 7
        fd = desc.fields_by_number.get(number) if desc is not None else None
        closed = fd is not None and is_closed_enum(fd)
        if wt == 4:
            if number != group:
                raise _Malformed()
            return False, pos
        if wt == 0:
            v, pos = _varint(data, pos)
            if closed and outside_int32(v):
                return True, pos
        elif wt in (1, 5):
            pos += 8 if wt == 1 else 4
        elif wt == 2:
            n, start = _varint(data, pos)
            pos = start + n
            body = data[start:pos]
            if fd is not None and fd.type == FD.TYPE_MESSAGE:
                if _walk(fd.message_type, body, 0, 0)[0]:
                    return True, pos
            q = 0
            while closed and q < len(body):  # a packed closed enum
                v, q = _varint(body, q)
                if outside_int32(v):
                    return True, pos
        elif wt == 3:
            inner = fd.message_type if fd is not None and fd.type == FD.TYPE_GROUP else None
            found, pos = _walk(inner, data, pos, number)
            if found:
                return True, pos
        else:
            raise _Malformed()
    if group or pos > len(data):
        raise _Malformed()
    return False, pos
