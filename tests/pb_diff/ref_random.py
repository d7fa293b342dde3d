"""Random protobuf messages and hand-crafted encodings, on the reference side.

The idea: walk a message's descriptor, so every field kind of the test schemas
is covered without listing them, and choose presence, values, repeated counts,
oneof member and nesting from a seeded generator. For the merge tests a
message is then re-encoded as many small pieces: fields in shuffled order,
repeated scalars split into chunks written packed or unpacked whatever the
schema says, sub-messages split into several occurrences, plus noise that the
parser must overwrite (earlier values of singular fields and oneofs, duplicate
map keys) or keep as unknown (fields 900-999 of every wire type, closed enum
values the enum does not define). protobuf's merge rules make the result of
parsing the concatenation well-defined, and the reference parser says what it
is.

Field numbers 900-999 are unused in every test schema (tests/proto/).
"""

import random
import struct

from google.protobuf import descriptor

FD = descriptor.FieldDescriptor

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5

INT_BOUNDS = {
    FD.TYPE_INT32: (-(2**31), 2**31 - 1, 32),
    FD.TYPE_SINT32: (-(2**31), 2**31 - 1, 32),
    FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1, 32),
    FD.TYPE_ENUM: (-(2**31), 2**31 - 1, 32),
    FD.TYPE_UINT32: (0, 2**32 - 1, 32),
    FD.TYPE_FIXED32: (0, 2**32 - 1, 32),
    FD.TYPE_INT64: (-(2**63), 2**63 - 1, 64),
    FD.TYPE_SINT64: (-(2**63), 2**63 - 1, 64),
    FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1, 64),
    FD.TYPE_UINT64: (0, 2**64 - 1, 64),
    FD.TYPE_FIXED64: (0, 2**64 - 1, 64),
}
FIXED32 = {FD.TYPE_FIXED32, FD.TYPE_SFIXED32, FD.TYPE_FLOAT}
FIXED64 = {FD.TYPE_FIXED64, FD.TYPE_SFIXED64, FD.TYPE_DOUBLE}
MESSAGES = {FD.TYPE_MESSAGE, FD.TYPE_GROUP}
LENGTH_DELIMITED = {FD.TYPE_STRING, FD.TYPE_BYTES, FD.TYPE_MESSAGE}

# ---- Wire encoding of single values (enough to write any piece by hand) ----


def varint(v, nc=None, limit=10):
    """The varint of v; with a generator `nc`, sometimes non-canonical:
    padded with redundant 0x80 bytes up to `limit` bytes in all."""
    v &= (1 << 64) - 1
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    if nc is not None and len(out) < limit and nc.random() < 0.5:
        pad = nc.randint(1, limit - len(out))
        out[-1] |= 0x80
        out += b"\x80" * (pad - 1) + b"\x00"
    return bytes(out)


def tag(number, wire_type):
    return varint((number << 3) | wire_type)


def wire_type_of(fd):
    if fd.type in FIXED32:
        return I32
    if fd.type in FIXED64:
        return I64
    if fd.type == FD.TYPE_GROUP:
        return SGROUP
    if fd.type in LENGTH_DELIMITED:
        return LEN
    return VARINT


VARINT32 = {FD.TYPE_INT32, FD.TYPE_UINT32, FD.TYPE_SINT32, FD.TYPE_ENUM}


def scalar_payload(fd_type, v, nc=None):
    """The bytes of one scalar value, without its tag. With a generator `nc`
    varints are sometimes written the way no encoder does but every parser
    must accept: padded, with garbage above bit 31 of 32-bit kinds (parsers
    truncate), and true as any non-zero value."""
    if fd_type == FD.TYPE_DOUBLE:
        return struct.pack("<d", v)
    if fd_type == FD.TYPE_FLOAT:
        return struct.pack("<f", v)
    if fd_type in (FD.TYPE_FIXED32, FD.TYPE_SFIXED32):
        return struct.pack("<I", v & 0xFFFFFFFF)
    if fd_type in (FD.TYPE_FIXED64, FD.TYPE_SFIXED64):
        return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)
    if fd_type == FD.TYPE_SINT32:
        raw = ((v << 1) ^ (v >> 31)) & 0xFFFFFFFF
    elif fd_type == FD.TYPE_SINT64:
        raw = (v << 1) ^ (v >> 63)
    elif fd_type == FD.TYPE_BOOL:
        raw = (nc.choice([1, 2, 0x7F, 1 << 32, 1 << 63]) if nc and v else 1) if v else 0
    else:
        raw = v  # int32/int64/uint32/uint64/enum: negatives are 10 bytes
    if nc is not None and fd_type in VARINT32 and nc.random() < 0.3:
        raw = (raw & 0xFFFFFFFF) | (nc.getrandbits(32) << 32)
    return varint(raw, nc)


def encode_value(fd, v, nc=None):
    """One occurrence of field `fd` with value `v` (tag included); `nc` as
    for scalar_payload, also padding lengths (to at most 5 bytes)."""
    if fd.type == FD.TYPE_GROUP:
        body = v.SerializePartialToString(deterministic=True)
        return tag(fd.number, SGROUP) + body + tag(fd.number, EGROUP)
    if fd.type == FD.TYPE_MESSAGE:
        body = v.SerializePartialToString(deterministic=True)
        return tag(fd.number, LEN) + varint(len(body), nc, 5) + body
    if fd.type in (FD.TYPE_STRING, FD.TYPE_BYTES):
        raw = v.encode("utf-8") if isinstance(v, str) else bytes(v)
        return tag(fd.number, LEN) + varint(len(raw), nc, 5) + raw
    return tag(fd.number, wire_type_of(fd)) + scalar_payload(fd.type, v, nc)


def encode_packed(fd, values, nc=None):
    body = b"".join(scalar_payload(fd.type, v, nc) for v in values)
    return tag(fd.number, LEN) + varint(len(body), nc, 5) + body


def wrap(fd, body, nc=None):
    """`body` (the bytes of part of a sub-message) as one occurrence of fd."""
    if fd.type == FD.TYPE_GROUP:
        return tag(fd.number, SGROUP) + body + tag(fd.number, EGROUP)
    return tag(fd.number, LEN) + varint(len(body), nc, 5) + body


# ---- Random values ---------------------------------------------------------


def rand_int(rng, fd_type):
    lo, hi, width = INT_BOUNDS[fd_type]
    r = rng.random()
    if r < 0.15:
        return rng.choice([lo, hi, 0, 1, max(lo, -1), hi // 2 + 1])
    if r < 0.5:
        return rng.randint(max(lo, -300), min(hi, 300))
    v = rng.getrandbits(rng.randint(1, width))
    if lo < 0 and rng.random() < 0.5:
        v = -v
    return min(max(v, lo), hi)


def rand_float(rng, fd_type):
    special = [0.0, -0.0, 1.0, -1.5, float("inf"), float("-inf"), float("nan"), 1e-300, 5e-324]
    r = rng.random()
    if r < 0.2:
        return rng.choice(special)
    if fd_type == FD.TYPE_FLOAT:
        if r < 0.6:
            return struct.unpack("<f", struct.pack("<f", rng.uniform(-1e6, 1e6)))[0]
        return struct.unpack("<f", rng.getrandbits(32).to_bytes(4, "little"))[0]
    if r < 0.6:
        return rng.uniform(-1e12, 1e12)
    return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]


def rand_text(rng):
    """Valid UTF-8 of every encoded length (1 to 4 bytes), NUL included."""
    n = rng.choice([0, 1, 2, 3, 5, 8, 16, 40]) if rng.random() < 0.97 else rng.randint(100, 400)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.6:
            out.append(chr(rng.randint(0x20, 0x7E)))
        elif r < 0.65:
            out.append(chr(rng.randint(0, 0x1F)))
        elif r < 0.8:
            out.append(chr(rng.randint(0x80, 0x7FF)))
        elif r < 0.93:
            c = rng.randint(0x800, 0xFFFD)
            out.append(chr(c if not 0xD800 <= c <= 0xDFFF else c - 0x800))
        else:
            out.append(chr(rng.randint(0x10000, 0x10FFFF)))
    return "".join(out)


def rand_bytes(rng):
    n = rng.choice([0, 1, 2, 7, 16, 33]) if rng.random() < 0.97 else rng.randint(100, 400)
    return bytes(rng.getrandbits(8) for _ in range(n))


def is_closed_enum(fd):
    return fd.type == FD.TYPE_ENUM and fd.enum_type.file.syntax == "proto2"


def rand_scalar(rng, fd, known_enum_only=False):
    t = fd.type
    if t in (FD.TYPE_DOUBLE, FD.TYPE_FLOAT):
        return rand_float(rng, t)
    if t == FD.TYPE_BOOL:
        return rng.random() < 0.5
    if t == FD.TYPE_STRING:
        return rand_text(rng)
    if t == FD.TYPE_BYTES:
        return rand_bytes(rng)
    if t == FD.TYPE_ENUM and (is_closed_enum(fd) or known_enum_only or rng.random() < 0.7):
        return rng.choice(fd.enum_type.values).number
    return rand_int(rng, t)


# ---- Random messages -------------------------------------------------------


def is_map(fd):
    return fd.message_type is not None and fd.message_type.GetOptions().map_entry


def real_oneof(fd):
    """The field's oneof, unless it is the synthetic one of proto3 `optional`."""
    o = fd.containing_oneof
    if o is None or (len(o.fields) == 1 and o.name == "_" + fd.name):
        return None
    return o


class Builder:
    """Fills messages at random; `max_depth` bounds sub-message nesting."""

    def __init__(self, rng, max_depth=3, extensions=()):
        self.rng = rng
        self.max_depth = max_depth
        self.extensions = {}
        for ext in extensions:
            self.extensions.setdefault(ext.containing_type.full_name, []).append(ext)

    def fill(self, msg, depth=0):
        rng = self.rng
        chosen = {}
        for o in msg.DESCRIPTOR.oneofs:
            if len(o.fields) > 1 or o.name != "_" + o.fields[0].name:
                chosen[o.name] = rng.choice(list(o.fields) + [None])
        for fd in msg.DESCRIPTOR.fields:
            o = real_oneof(fd)
            if o is not None:
                if chosen[o.name] is fd and (fd.type not in MESSAGES or depth < self.max_depth):
                    self.set_singular(msg, fd, depth)
                continue
            self.fill_field(msg, fd, depth)
        for ext in self.extensions.get(msg.DESCRIPTOR.full_name, []):
            if rng.random() < 0.4:
                self.fill_extension(msg, ext, depth)
        return msg

    def fill_field(self, msg, fd, depth):
        rng = self.rng
        # Sub-messages get rarer with depth so that message size stays small
        # while every level is still reached.
        deep_ok = depth < self.max_depth and rng.random() < 0.6 / (1 + depth)
        if is_map(fd):
            if rng.random() < 0.3 and (fd.message_type.fields_by_number[2].type not in MESSAGES
                                       or deep_ok):
                self.fill_map(getattr(msg, fd.name), fd, depth)
        elif fd.label == FD.LABEL_REPEATED:
            if rng.random() < 0.4 and (fd.type not in MESSAGES or deep_ok):
                self.fill_repeated(getattr(msg, fd.name), fd, depth)
        elif fd.label == FD.LABEL_REQUIRED:
            self.set_singular(msg, fd, depth)
        elif fd.type in MESSAGES:
            if deep_ok:
                self.set_singular(msg, fd, depth)
        elif rng.random() < 0.5:
            self.set_singular(msg, fd, depth)

    def count(self, fd):
        if fd.type in MESSAGES:
            return self.rng.randint(1, 3)
        return rng_count(self.rng)

    def set_singular(self, msg, fd, depth):
        if fd.type in MESSAGES:
            sub = getattr(msg, fd.name)
            sub.SetInParent()
            self.fill(sub, depth + 1)
        else:
            setattr(msg, fd.name, rand_scalar(self.rng, fd))

    def fill_repeated(self, rep, fd, depth):
        for _ in range(self.count(fd)):
            if fd.type in MESSAGES:
                self.fill(rep.add(), depth + 1)
            else:
                rep.append(rand_scalar(self.rng, fd))

    def fill_map(self, m, fd, depth):
        key_fd = fd.message_type.fields_by_number[1]
        val_fd = fd.message_type.fields_by_number[2]
        for _ in range(self.count(val_fd)):
            k = rand_scalar(self.rng, key_fd)
            if val_fd.type in MESSAGES:
                self.fill(m[k], depth + 1)
            else:
                m[k] = rand_scalar(self.rng, val_fd)

    def fill_extension(self, msg, ext, depth):
        if ext.label == FD.LABEL_REPEATED:
            rep = msg.Extensions[ext]
            for _ in range(self.count(ext)):
                if ext.type in MESSAGES:
                    self.fill(rep.add(), depth + 1)
                else:
                    rep.append(rand_scalar(self.rng, ext))
        elif ext.type in MESSAGES:
            sub = msg.Extensions[ext]
            sub.SetInParent()
            self.fill(sub, depth + 1)
        else:
            msg.Extensions[ext] = rand_scalar(self.rng, ext)


def rng_count(rng):
    return rng.randint(1, 4) if rng.random() < 0.9 else rng.randint(5, 40)


# ---- Crafted encodings -----------------------------------------------------

# What a crafted encoding may add on top of splitting and shuffling.
NOISE_OVERWRITE = "overwrite"  # earlier values of singular fields and oneofs
NOISE_MAP_DUP = "mapdup"  # earlier map entries with the same key
NOISE_UNKNOWN = "unknown"  # unknown fields 900-999, all wire types
NOISE_CLOSED_ENUM = "closedenum"  # undefined values of closed enums
NOISE_WIRE_TYPE = "wiretype"  # known field numbers with a wire type that does not fit
NOISE_NONCANONICAL = "noncanonical"  # padded varints, 32-bit garbage, bools > 1


def rand_unknown(rng, depth=0):
    """One unknown field (numbers 900-999) of a random wire type."""
    number = rng.randint(900, 999)
    wt = rng.choice([VARINT, I64, LEN, I32, SGROUP] if depth < 2 else [VARINT, I64, LEN, I32])
    if wt == VARINT:
        return tag(number, VARINT) + varint(rand_int(rng, FD.TYPE_INT64))
    if wt == I64:
        return tag(number, I64) + rng.getrandbits(64).to_bytes(8, "little")
    if wt == I32:
        return tag(number, I32) + rng.getrandbits(32).to_bytes(4, "little")
    if wt == LEN:
        raw = rand_bytes(rng)
        return tag(number, LEN) + varint(len(raw)) + raw
    inner = b"".join(rand_unknown(rng, depth + 1) for _ in range(rng.randint(0, 3)))
    return tag(number, SGROUP) + inner + tag(number, EGROUP)


class Crafter:
    """Re-encodes a message as shuffled pieces; see the module comment."""

    def __init__(self, rng, noise=()):
        self.rng = rng
        self.noise = set(noise)
        self.nc = rng if NOISE_NONCANONICAL in self.noise else None

    def encode(self, msg):
        return b"".join(self.pieces(msg))

    def pieces(self, msg):
        """The message as a list of byte strings whose concatenation parses to
        `msg` merged with the noise. Pieces of one field keep their order
        (repeated fields are ordered); different fields interleave at random."""
        rng = self.rng
        queues = []
        extensions = []
        for fd, value in msg.ListFields():
            if fd.is_extension:
                extensions.append((fd, value))
                continue
            queues.append(self.field_queue(msg, fd, value))
        # All unknown fields form one queue: their order is what both sides
        # keep, so it must be the order in which they arrive.
        unknown = []
        if NOISE_UNKNOWN in self.noise:
            unknown += [rand_unknown(rng) for _ in range(rng.randint(1, 3))]
        if NOISE_WIRE_TYPE in self.noise:
            unknown += [wrong_wire_type(rng, msg.DESCRIPTOR) for _ in range(rng.randint(1, 3))]
        if unknown and not extensions:
            rng.shuffle(unknown)
            queues.append(unknown)
        out = interleave(rng, [q for q in queues if q])
        # Extensions are unknown fields to the C engine (kept in arrival
        # order) but known to the reference (written sorted by number after
        # the regular fields), so they go last, whole and sorted.
        for fd, value in sorted(extensions, key=lambda e: e[0].number):
            out.append(self.whole_field(fd, value))
        return out

    def whole_field(self, fd, value):  # canonical: extensions stay as written
        if fd.label != FD.LABEL_REPEATED:
            return encode_value(fd, value)
        if fd.GetOptions().packed:
            return encode_packed(fd, list(value))
        return b"".join(encode_value(fd, v) for v in value)

    def field_queue(self, msg, fd, value):
        rng = self.rng
        if is_map(fd):
            return self.map_queue(fd, value)
        if fd.label == FD.LABEL_REPEATED:
            if fd.type in LENGTH_DELIMITED or fd.type == FD.TYPE_GROUP:
                return [encode_value(fd, v, self.nc) for v in value]
            return self.scalar_chunks(fd, list(value))
        queue = []
        # A oneof member replacing another is the interesting case; always try.
        if NOISE_OVERWRITE in self.noise and (real_oneof(fd) or rng.random() < 0.5):
            queue.append(self.overwritten(msg, fd))
        if NOISE_CLOSED_ENUM in self.noise and is_closed_enum(fd) and rng.random() < 0.5:
            queue.append(encode_value(fd, undefined_enum_value(rng, fd), self.nc))
        if fd.type in MESSAGES:
            sub = self.pieces(value)
            ncuts = min(max(len(sub) - 1, 0), rng.randint(0, 2))
            cuts = sorted(rng.sample(range(1, len(sub)), ncuts))
            bounds = [0] + cuts + [len(sub)]
            queue += [wrap(fd, b"".join(sub[a:b]), self.nc) for a, b in zip(bounds, bounds[1:])]
        else:
            queue.append(encode_value(fd, value, self.nc))
        return queue

    def overwritten(self, msg, fd):
        """A piece the real value must override: another value of this field,
        or (in a oneof) the value of another member."""
        rng = self.rng
        o = real_oneof(fd)
        victim = fd
        if o is not None and rng.random() < 0.8:
            victim = rng.choice([other for other in o.fields if other is not fd])
        if victim.type in MESSAGES:
            if victim is fd:  # an earlier sub-message merges; use an unset field
                return wrap(fd, b"", self.nc)
            sub = getattr(msg, victim.name).__class__()
            Builder(rng, max_depth=1).fill(sub, 1)
            return encode_value(victim, sub, self.nc)
        return encode_value(victim, rand_scalar(rng, victim, known_enum_only=True), self.nc)

    def scalar_chunks(self, fd, values):
        """Repeated scalars split into runs, each written packed or unpacked
        at random (parsers must accept both whatever the schema says)."""
        rng = self.rng
        queue = []
        i = 0
        while i < len(values):
            n = rng.randint(1, len(values) - i)
            run = values[i:i + n]
            if NOISE_CLOSED_ENUM in self.noise and is_closed_enum(fd) and rng.random() < 0.5:
                run = run + [undefined_enum_value(rng, fd)]
            if rng.random() < 0.5:
                queue.append(encode_packed(fd, run, self.nc))
            else:
                queue.append(b"".join(encode_value(fd, v, self.nc) for v in run))
            i += n
        return queue

    def map_queue(self, fd, m):
        """Entries in random order (maps have none), each maybe preceded by an
        entry with the same key that it must replace."""
        rng = self.rng
        entry = fd.message_type
        key_fd, val_fd = entry.fields_by_number[1], entry.fields_by_number[2]
        groups = []
        # A map's iteration order changes from run to run; a seed's output
        # must not.
        for k in sorted(m):
            group = []
            if NOISE_MAP_DUP in self.noise and rng.random() < 0.3:
                if val_fd.type in MESSAGES:
                    other = m[k].__class__()
                    Builder(rng, max_depth=1).fill(other, 1)
                else:
                    other = rand_scalar(rng, val_fd, known_enum_only=True)
                group.append(wrap(fd, encode_value(key_fd, k, self.nc) +
                                  encode_value(val_fd, other, self.nc), self.nc))
            group.append(wrap(fd, encode_value(key_fd, k, self.nc) +
                              encode_value(val_fd, m[k], self.nc), self.nc))
            groups.append(group)
        rng.shuffle(groups)
        return [piece for group in groups for piece in group]


def allowed_wire_types(fd):
    wt = wire_type_of(fd)
    if fd.label == FD.LABEL_REPEATED and wt in (VARINT, I32, I64):
        return {wt, LEN}  # packed or not, whatever the schema says
    return {wt}


def wrong_wire_type(rng, desc):
    """A known field of `desc` written with a wire type it cannot have: a
    parser keeps it as an unknown field."""
    fd = rng.choice(desc.fields)
    wt = rng.choice(sorted({VARINT, I64, LEN, SGROUP, I32} - allowed_wire_types(fd)))
    if wt == VARINT:
        return tag(fd.number, VARINT) + varint(rand_int(rng, FD.TYPE_UINT64))
    if wt == I64:
        return tag(fd.number, I64) + rng.getrandbits(64).to_bytes(8, "little")
    if wt == I32:
        return tag(fd.number, I32) + rng.getrandbits(32).to_bytes(4, "little")
    if wt == LEN:
        raw = rand_bytes(rng)
        return tag(fd.number, LEN) + varint(len(raw)) + raw
    inner = b"".join(rand_unknown(rng, 1) for _ in range(rng.randint(0, 2)))
    return tag(fd.number, SGROUP) + inner + tag(fd.number, EGROUP)


def undefined_enum_value(rng, fd):
    defined = {v.number for v in fd.enum_type.values}
    while True:
        v = rng.choice([rng.randint(-20, 20), rand_int(rng, FD.TYPE_INT32)])
        if v not in defined:
            return v


def interleave(rng, queues):
    """Merges the queues in a random order, keeping each queue's own order."""
    out = []
    queues = [list(q) for q in queues]
    while queues:
        q = rng.choice(queues)
        out.append(q.pop(0))
        if not q:
            queues.remove(q)
    return out


def new_rng(seed):
    return random.Random(seed)
