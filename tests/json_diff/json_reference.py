#!/usr/bin/python3
"""Differential tests of cgrpc's JSON mapping against Python's json_format.

The reference is Debian's python3-protobuf (json_format over the C++
implementation). Random messages of TestAllTypesProto3 (every field kind,
maps, oneofs, nested and recursive messages, the well-known types as fields),
of TestAllTypesProto2 (presence, closed enums, a group, declared defaults),
of every well-known type at top level, and (with --jsontest-proto) of
tests/unit/json's jsontest.All (custom json_names, more map kinds) go both
ways:

  print   Python serializes each message to binary; cgrpc (json_convert_tool)
          prints it as JSON, plain and with each print option (proto_names,
          defaults, enums_as_ints). The JSON must be valid, equal as a JSON
          value to what json_format prints with the same options, and
          json_format must parse it back to the same message.
  parse   json_format prints each message (compact and indented, json names
          and proto names, with and without defaults, enums as names and as
          numbers), plus variants the mapping says parsers accept (64-bit
          integers as numbers, 32-bit integers as strings and as exact
          floats, floats as strings, URL-safe base64), unknown fields
          (rejected, or ignored with ignore_unknown), and broken variants
          (a duplicate field, a value of the wrong type, an int32 out of
          range, trailing garbage, truncation). cgrpc parses each; it must
          accept exactly what json_format accepts, and its binary must be
          the message json_format parses.

Messages are compared by their deterministic binary encoding (so NaN equals
itself and -0.0 differs from 0.0), with every Any's payload re-encoded
deterministically; JSON numbers by value, and float fields by their float32
value (both sides print the shortest text that reads back). One quirk of
json_format is allowed for: with enums as numbers it prints NullValue as 0,
where C++ protobuf prints null.
The Python modules of the schemas are generated at test time from the
fetched protobuf sources (--proto-src) into --work.
"""
import argparse
import base64
import difflib
import importlib.util
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import types

from google.protobuf import (any_pb2, duration_pb2, empty_pb2, field_mask_pb2, json_format,
                             struct_pb2, timestamp_pb2, wrappers_pb2)
from google.protobuf.descriptor import FieldDescriptor as FD

P3 = "protobuf_test_messages.proto3.TestAllTypesProto3"
P2 = "protobuf_test_messages.proto2.TestAllTypesProto2"
# tests/unit/json's schema: custom json_names, an aliased enum, maps with
# bool, uint64 and int64 keys and message, enum and double values, an Any of
# a small user message.
JT = "jsontest.All"
MAX_PRINTED_FAILURES = 8


ANY_CLASSES = {}  # full name -> class, for normalize_any()


def load_schemas(proto_src, work):
    """Generates and imports test_messages_proto{3,2}_pb2 from the fetched
    sources; returns a namespace with TestAllTypesProto3 and
    TestAllTypesProto2."""
    out = os.path.join(work, "py")
    os.makedirs(out, exist_ok=True)
    src = os.path.join(proto_src, "src")
    schemas = types.SimpleNamespace()
    for syntax in ("proto3", "proto2"):
        rel = "google/protobuf/test_messages_%s.proto" % syntax
        subprocess.run(["protoc", "-I" + src, "--python_out=" + out, os.path.join(src, rel)],
                       check=True)
        path = os.path.join(out, rel.replace(".proto", "_pb2.py"))
        # Not importable as google.protobuf.*: that package is python3-protobuf's.
        spec = importlib.util.spec_from_file_location("test_messages_%s_pb2" % syntax, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        name = "TestAllTypes" + syntax.capitalize()
        setattr(schemas, name, getattr(module, name))
    ANY_CLASSES.update(WKT_CLASSES)
    ANY_CLASSES[P3] = schemas.TestAllTypesProto3
    ANY_CLASSES[P2] = schemas.TestAllTypesProto2
    return schemas


def load_jsontest(proto_dir, work, schemas):
    """Generates and imports jsontest/all3_pb2 (jsontest.All) into schemas."""
    out = os.path.join(work, "py_jsontest")
    os.makedirs(out, exist_ok=True)
    subprocess.run(["protoc", "-I" + proto_dir, "-I/usr/include", "--python_out=" + out,
                    os.path.join(proto_dir, "jsontest/all3.proto")], check=True)
    path = os.path.join(out, "jsontest/all3_pb2.py")
    spec = importlib.util.spec_from_file_location("jsontest_all3_pb2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    schemas.JsontestAll = module.All
    ANY_CLASSES[JT] = module.All
    ANY_CLASSES["jsontest.Inner"] = module.Inner


# ---- random values ----------------------------------------------------------

INT_EDGES = {
    32: [0, 1, -1, 2**31 - 1, -2**31, 100, -100],
    64: [0, 1, -1, 2**63 - 1, -2**63, 2**53, -2**53, 2**53 + 1, 10**15],
}
UINT_EDGES = {32: [0, 1, 2**32 - 1, 2**31], 64: [0, 1, 2**64 - 1, 2**63, 2**53 + 1]}
STRING_PIECES = ["a", "Z", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x00",
                 "\x1f", "\x7f", "é", "ß", "中文", "\u2028", "\u2029", "\ufeff", "\uffff",
                 "😀", "\U0010ffff", "<", ">", "&", "'", "hello", "{\"a\":1}"]


def is_message(field):
    return field.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP)


def rand_float32(rng):
    pick = rng.random()
    if pick < 0.15:
        return rng.choice([0.0, -0.0, 1.0, -1.0, 0.5, 3.4e38, 1.401298464324817e-45,
                           1.1754943508222875e-38, float("inf"), float("-inf"), float("nan")])
    if pick < 0.5:
        x = struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]
        # One NaN (payloads do not survive JSON), and nothing so close to
        # FLT_MAX that its shortest text reads back above it (json_format
        # then refuses its own output).
        if math.isnan(x):
            return float("nan")
        return x if abs(x) < 3.4e38 else rng.choice([float("inf"), -1e38])
    return struct.unpack("<f", struct.pack("<f", rng.uniform(-1e6, 1e6)))[0]


def rand_double(rng):
    pick = rng.random()
    if pick < 0.15:
        return rng.choice([0.0, -0.0, 1.0, 0.1, -2.5, 1.7976931348623157e308, 5e-324,
                           2.2250738585072014e-308, 1e21, 1e-7, 123456789012345680.0,
                           float("inf"), float("-inf"), float("nan")])
    if pick < 0.5:
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        return float("nan") if math.isnan(x) else x
    return rng.uniform(-1e9, 1e9) * 10 ** rng.randint(-20, 20)


def rand_string(rng):
    return "".join(rng.choice(STRING_PIECES) for _ in range(rng.randint(0, 6)))


def rand_bytes(rng):
    return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 2, 3, 4, 5, 17])))


def rand_scalar(rng, field):
    t = field.type
    if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
        return rng.choice(INT_EDGES[32]) if rng.random() < 0.3 else rng.randint(-2**31, 2**31 - 1)
    if t in (FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64):
        return rng.choice(INT_EDGES[64]) if rng.random() < 0.3 else rng.randint(-2**63, 2**63 - 1)
    if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
        return rng.choice(UINT_EDGES[32]) if rng.random() < 0.3 else rng.randint(0, 2**32 - 1)
    if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
        return rng.choice(UINT_EDGES[64]) if rng.random() < 0.3 else rng.randint(0, 2**64 - 1)
    if t == FD.TYPE_FLOAT:
        return rand_float32(rng)
    if t == FD.TYPE_DOUBLE:
        return rand_double(rng)
    if t == FD.TYPE_BOOL:
        return rng.random() < 0.5
    if t == FD.TYPE_STRING:
        return rand_string(rng)
    if t == FD.TYPE_BYTES:
        return rand_bytes(rng)
    if t == FD.TYPE_ENUM:
        values = [v.number for v in field.enum_type.values]
        # Open (proto3) enums keep numbers they do not define; JSON prints
        # those as numbers. NullValue has only one value and no room for
        # others; a closed (proto2) enum cannot hold them.
        if (field.enum_type.file.syntax == "proto3" and rng.random() < 0.1
                and field.enum_type.full_name != "google.protobuf.NullValue"):
            return rng.choice([7, 12345, -3])
        return rng.choice(values)
    raise ValueError("not a scalar: %s" % field.full_name)


def rand_value(rng, value, depth):
    """Fills a google.protobuf.Value (finite numbers only: JSON has no NaN)."""
    kinds = ["null", "number", "string", "bool"] + (["struct", "list"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "null":
        value.null_value = 0
    elif kind == "number":
        value.number_value = rng.choice([0.0, 1.0, -2.5, 1e300, 2**53, 0.1, rng.uniform(-1e6, 1e6)])
    elif kind == "string":
        value.string_value = rand_string(rng)
    elif kind == "bool":
        value.bool_value = rng.random() < 0.5
    elif kind == "struct":
        value.struct_value.SetInParent()  # empty ones too
        rand_struct(rng, value.struct_value, depth + 1)
    else:
        value.list_value.SetInParent()
        rand_list(rng, value.list_value, depth + 1)


def rand_struct(rng, st, depth):
    for _ in range(rng.randint(0, 3)):
        rand_value(rng, st.fields[rand_string(rng)], depth)


def rand_list(rng, lv, depth):
    for _ in range(rng.randint(0, 3)):
        rand_value(rng, lv.values.add(), depth)


def rand_timestamp(rng, ts):
    ts.seconds = rng.choice([0, -1, -62135596800, 253402300799, 1700000000,
                             rng.randint(-62135596800, 253402300799)])
    ts.nanos = rand_nanos(rng, 1)


def rand_nanos(rng, sign):
    pick = rng.choice(["zero", "milli", "micro", "nano"])
    if pick == "zero":
        return 0
    if pick == "milli":
        return sign * rng.randint(0, 999) * 1000000
    if pick == "micro":
        return sign * rng.randint(0, 999999) * 1000
    return sign * rng.randint(0, 999999999)


def rand_duration(rng, d):
    d.seconds = rng.choice([0, 1, -1, 315576000000, -315576000000,
                            rng.randint(-315576000000, 315576000000)])
    sign = -1 if d.seconds < 0 or (d.seconds == 0 and rng.random() < 0.5) else 1
    d.nanos = rand_nanos(rng, sign)


def rand_field_mask(rng, fm):
    # Paths that survive snake_case -> lowerCamelCase -> snake_case.
    words = ["foo", "bar", "baz", "x", "optional", "nested", "message", "value"]
    for _ in range(rng.randint(0, 3)):
        fm.paths.append(".".join("_".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
                                 for _ in range(rng.randint(1, 3))))


def rand_any(rng, any_msg, schemas, depth):
    if depth >= 3 or rng.random() < 0.4:
        name, filler = rng.choice(WKT_FILLERS)
        inner = WKT_CLASSES[name]()
        filler(rng, inner, schemas, depth + 1)
    elif "jsontest.Inner" in ANY_CLASSES and rng.random() < 0.25:
        inner = ANY_CLASSES["jsontest.Inner"]()
        fill_message(rng, inner, schemas, depth + 1)
    else:
        inner = schemas.TestAllTypesProto3()
        fill_message(rng, inner, schemas, depth + 1)
    any_msg.Pack(inner)


def rand_wrapper(rng, w, schemas, depth):
    w.value = rand_scalar(rng, w.DESCRIPTOR.fields_by_name["value"])


WKT_CLASSES = {
    "google.protobuf.Any": any_pb2.Any,
    "google.protobuf.Duration": duration_pb2.Duration,
    "google.protobuf.Empty": empty_pb2.Empty,
    "google.protobuf.FieldMask": field_mask_pb2.FieldMask,
    "google.protobuf.Struct": struct_pb2.Struct,
    "google.protobuf.Value": struct_pb2.Value,
    "google.protobuf.ListValue": struct_pb2.ListValue,
    "google.protobuf.Timestamp": timestamp_pb2.Timestamp,
    "google.protobuf.DoubleValue": wrappers_pb2.DoubleValue,
    "google.protobuf.FloatValue": wrappers_pb2.FloatValue,
    "google.protobuf.Int64Value": wrappers_pb2.Int64Value,
    "google.protobuf.UInt64Value": wrappers_pb2.UInt64Value,
    "google.protobuf.Int32Value": wrappers_pb2.Int32Value,
    "google.protobuf.UInt32Value": wrappers_pb2.UInt32Value,
    "google.protobuf.BoolValue": wrappers_pb2.BoolValue,
    "google.protobuf.StringValue": wrappers_pb2.StringValue,
    "google.protobuf.BytesValue": wrappers_pb2.BytesValue,
}
WKT_FILL = {
    "google.protobuf.Any": rand_any,
    "google.protobuf.Duration": lambda rng, m, s, d: rand_duration(rng, m),
    "google.protobuf.Empty": lambda rng, m, s, d: None,
    "google.protobuf.FieldMask": lambda rng, m, s, d: rand_field_mask(rng, m),
    "google.protobuf.Struct": lambda rng, m, s, d: rand_struct(rng, m, d),
    "google.protobuf.Value": lambda rng, m, s, d: rand_value(rng, m, d),
    "google.protobuf.ListValue": lambda rng, m, s, d: rand_list(rng, m, d),
    "google.protobuf.Timestamp": lambda rng, m, s, d: rand_timestamp(rng, m),
}
for _name in WKT_CLASSES:
    WKT_FILL.setdefault(_name, rand_wrapper)
WKT_FILLERS = sorted(WKT_FILL.items())


def fill_field_value(rng, container_add, field, schemas, depth):
    """Returns a scalar value, or fills a message made by container_add()."""
    if is_message(field):
        sub = container_add()
        name = field.message_type.full_name
        if name in WKT_FILL:
            WKT_FILL[name](rng, sub, schemas, depth + 1)
        else:
            fill_message(rng, sub, schemas, depth + 1)
        return None
    return rand_scalar(rng, field)


def fill_message(rng, msg, schemas, depth=0):
    """Sets a random subset of the fields of a (non-well-known) message."""
    desc = msg.DESCRIPTOR
    density = max(0.05, 0.35 - 0.1 * depth)
    oneof_fields = set()
    for oneof in desc.oneofs:
        oneof_fields.update(f.name for f in oneof.fields)
        if rng.random() < 0.5:
            f = rng.choice(oneof.fields)
            if is_message(f):
                if depth < 3:
                    fill_field_value(rng, lambda: getattr(msg, f.name), f, schemas, depth)
                    getattr(msg, f.name).SetInParent()
            else:
                setattr(msg, f.name, rand_scalar(rng, f))
    for f in desc.fields:
        if f.name in oneof_fields or rng.random() > density:
            continue
        if f.message_type and f.message_type.GetOptions().map_entry:
            key_f = f.message_type.fields_by_name["key"]
            val_f = f.message_type.fields_by_name["value"]
            m = getattr(msg, f.name)
            for _ in range(rng.randint(1, 3)):
                key = rand_scalar(rng, key_f)
                if is_message(val_f):
                    if depth < 3:
                        fill_field_value(rng, lambda: m[key], val_f, schemas, depth)
                        m[key].SetInParent()
                else:
                    m[key] = rand_scalar(rng, val_f)
        elif f.label == FD.LABEL_REPEATED:
            r = getattr(msg, f.name)
            for _ in range(rng.randint(1, 3)):
                if is_message(f):
                    if depth < 3:
                        fill_field_value(rng, r.add, f, schemas, depth)
                else:
                    r.append(rand_scalar(rng, f))
        elif is_message(f):
            if depth < 3:
                fill_field_value(rng, lambda: getattr(msg, f.name), f, schemas, depth)
                getattr(msg, f.name).SetInParent()
        else:
            setattr(msg, f.name, rand_scalar(rng, f))


def random_messages(schemas, seeds):
    """(label, type name, message) for every seed and type."""
    cls = {P3: schemas.TestAllTypesProto3, P2: schemas.TestAllTypesProto2}
    if hasattr(schemas, "JsontestAll"):
        cls[JT] = schemas.JsontestAll
    cls.update(WKT_CLASSES)
    for seed in range(seeds):
        for name in sorted(cls):
            rng = random.Random("%s/%d" % (name, seed))
            msg = cls[name]()
            if name in WKT_FILL:
                WKT_FILL[name](rng, msg, schemas, 0)
            else:
                fill_message(rng, msg, schemas)
            yield "type=%s seed=%d" % (name, seed), name, msg


# ---- the C tool -------------------------------------------------------------

def blob(data):
    return struct.pack("<I", len(data)) + data


def run_tool(tool, work, records):
    """records: (op, type name, input bytes); returns [(ok, output bytes)]."""
    in_path = os.path.join(work, "requests.bin")
    out_path = os.path.join(work, "results.bin")
    with open(in_path, "wb") as f:
        for op, name, data in records:
            f.write(blob(op.encode()) + blob(name.encode()) + blob(data))
    proc = subprocess.run([tool, in_path, out_path])
    if proc.returncode != 0:
        sys.exit("json_convert_tool failed (exit status %d) on %s" % (proc.returncode, in_path))
    with open(out_path, "rb") as f:
        data = f.read()
    results, pos = [], 0
    while pos < len(data):
        parts = []
        for _ in range(2):
            (n,) = struct.unpack_from("<I", data, pos)
            parts.append(data[pos + 4:pos + 4 + n])
            pos += 4 + n
        results.append((parts[0] == b"ok", parts[1]))
    if len(results) != len(records):
        sys.exit("json_convert_tool answered %d of %d records" % (len(results), len(records)))
    return results


# ---- comparison -------------------------------------------------------------

def f32(x):
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return x


def json_equal(a, b):
    """Equal JSON values; numbers by value, or by float32 value. json_format
    prints NullValue as 0 when asked for enums as numbers, where C++ protobuf
    and cgrpc print null; a 0 here matches a null there."""
    if a == 0 and b is None and not isinstance(a, bool):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a == 0 and b == 0:  # -0.0 is not 0.0
            return math.copysign(1, a) == math.copysign(1, b)
        return a == b or f32(float(a)) == f32(float(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def json_difference(a, b, path="$"):
    """Where two JSON values first differ: (path, a's part, b's part)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return ("%s.%s" % (path, k), a.get(k, "<absent>"), b.get(k, "<absent>"))
            d = json_difference(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            d = json_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if json_equal(a, b) else (path, a, b)


def message_difference(a, b):
    """A few lines of unified diff between two messages in text format."""
    from google.protobuf import text_format
    lines = difflib.unified_diff(text_format.MessageToString(a, as_utf8=True).splitlines(),
                                 text_format.MessageToString(b, as_utf8=True).splitlines(),
                                 "json_format's", "cgrpc's", lineterm="", n=1)
    return "\n".join(list(lines)[:16])


def strict_json(text):
    """Parses JSON as RFC 8259 has it: no NaN or Infinity tokens. "-0" reads
    as -0.0 (Python's json makes it the integer 0, losing the sign)."""
    def reject(token):
        raise ValueError("not JSON: %s" % token)
    return json.loads(text, parse_constant=reject,
                      parse_int=lambda t: -0.0 if t == "-0" else int(t))


def normalize_any(msg):
    """Re-packs every Any in the tree with deterministic inner bytes: an Any's
    payload is bytes, which deterministic serialization does not look into,
    and its map entries may come in any order."""
    desc = msg.DESCRIPTOR
    if desc.full_name == "google.protobuf.Any":
        name = msg.type_url.rsplit("/", 1)[-1]
        try:
            inner = ANY_CLASSES[name]()
            inner.ParseFromString(msg.value)
        except Exception:  # an unknown type or bad bytes: left as they are
            return
        normalize_any(inner)
        msg.value = inner.SerializeToString(deterministic=True)
        return
    for field, value in msg.ListFields():
        if not is_message(field):
            continue
        if field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            if is_message(value_field):
                for key in value:
                    normalize_any(value[key])
        elif field.label == FD.LABEL_REPEATED:
            for item in value:
                normalize_any(item)
        else:
            normalize_any(value)


def canonical(msg):
    copy = type(msg)()
    copy.CopyFrom(msg)
    normalize_any(copy)
    return copy.SerializeToString(deterministic=True)


def new_of(schemas, name):
    return ANY_CLASSES[name]()


def read_known(path, mode):
    """known_differences.txt: a line is a mode (print or parse), a space and
    a regular expression matched against the text of that mode's failures;
    blank lines and # comments aside."""
    known = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    line_mode, regex = line.split(" ", 1)
                    if line_mode == mode:
                        known.append(re.compile(regex))
    return known


class Failures:
    def __init__(self, known):
        self.count = 0
        self.per_family = {}
        self.known = {k: 0 for k in known}

    def add(self, family, text):
        for k in self.known:
            if k.search(text):
                self.known[k] += 1
                return
        self.count += 1
        self.per_family[family] = self.per_family.get(family, 0) + 1
        if self.per_family[family] <= MAX_PRINTED_FAILURES:
            print("FAIL %s\n  %s" % (family, text.replace("\n", "\n  ")))


PRINT_OPTIONS = {
    "print": {},
    "print:proto_names": {"preserving_proto_field_name": True},
    "print:defaults": {"including_default_value_fields": True},
    "print:enums_as_ints": {"use_integers_for_enums": True},
}


def mode_print(args, schemas):
    records, expected = [], []
    for label, name, msg in random_messages(schemas, args.seeds):
        binary = msg.SerializeToString()
        for op, kwargs in PRINT_OPTIONS.items():
            if op == "print:defaults" and name == P2:
                # json_format then prints unset proto2 fields with their
                # defaults; cgrpc prints fields with presence only when set.
                continue
            records.append((op, name, binary))
            expected.append((label, name, msg, op, json_format.MessageToJson(msg, **kwargs)))
    results = run_tool(args.tool, args.work, records)
    fails = Failures(read_known(args.known, "print"))
    for (label, name, msg, op, ref), (ok, out) in zip(expected, results):
        family = "%s %s" % (op, name)
        where = "%s op=%s" % (label, op)
        if not ok:
            fails.add(family, "%s: cgrpc refused to print: %s\n  json_format: %s"
                      % (where, out.decode("utf-8", "replace"), ref))
            continue
        text = out.decode("utf-8", "replace")
        try:
            value = strict_json(text)
        except ValueError as e:
            fails.add(family, "%s: cgrpc printed invalid JSON (%s): %s" % (where, e, text))
            continue
        diff = json_difference(json.loads(ref), value)
        if diff:
            fails.add(family, "%s: JSON differs at %s: json_format %s, cgrpc %s\n  cgrpc: %s"
                      % (where, diff[0], json.dumps(diff[1], ensure_ascii=False),
                         json.dumps(diff[2], ensure_ascii=False), text[:400]))
            continue
        back = new_of(schemas, name)
        try:
            # Re-serialized so that "-0" reaches json_format as "-0.0", which
            # it reads with its sign (the text itself was compared above).
            json_format.Parse(json.dumps(value), back)
        except json_format.ParseError as e:
            fails.add(family, "%s: json_format cannot parse cgrpc's JSON (%s): %s"
                      % (where, e, text))
            continue
        if canonical(back) != canonical(msg):
            fails.add(family, "%s: json_format parses cgrpc's JSON to another message:\n%s"
                      % (where, message_difference(msg, back)))
    return report("print", len(records), fails)


def urlsafe_bytes(value):
    """Re-encodes every base64 string that decodes to bytes as URL-safe,
    unpadded (accepted on input); used only on bytes fields' values."""
    return base64.urlsafe_b64encode(base64.b64decode(value)).decode().rstrip("=")


def variant_int64_as_numbers(obj, desc):
    """64-bit integer fields as JSON numbers where exact (accepted on input)."""
    changed = False
    if not isinstance(obj, dict) or desc is None:
        return changed
    for key, value in obj.items():
        f = desc.fields_by_camelcase_name.get(key) or desc.fields_by_name.get(key)
        if f is None:
            continue
        is64 = f.type in (FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64, FD.TYPE_UINT64,
                          FD.TYPE_FIXED64)
        if is64 and f.label != FD.LABEL_REPEATED and isinstance(value, str) \
                and abs(int(value)) < 2**53:
            obj[key] = int(value)
            changed = True
        elif f.type == FD.TYPE_BYTES and f.label != FD.LABEL_REPEATED and isinstance(value, str):
            obj[key] = urlsafe_bytes(value)
            changed = True
        elif is_message(f) and not f.message_type.full_name.startswith(
                "google.protobuf.") and not f.message_type.GetOptions().map_entry:
            if f.label == FD.LABEL_REPEATED and isinstance(value, list):
                for item in value:
                    changed |= variant_int64_as_numbers(item, f.message_type)
            else:
                changed |= variant_int64_as_numbers(value, f.message_type)
    return changed


INT32_KINDS = (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32, FD.TYPE_UINT32, FD.TYPE_FIXED32)


def variant_quoted_numbers(obj, desc, rng):
    """Singular 32-bit integer fields as strings ("12") or as exact floats
    (12.0), float and double fields as strings ("1.5"): forms the mapping
    accepts on input. Top level only."""
    changed = False
    for key, value in list(obj.items()):
        f = desc.fields_by_camelcase_name.get(key) or desc.fields_by_name.get(key)
        if f is None or f.label == FD.LABEL_REPEATED or isinstance(value, bool):
            continue
        if f.type in INT32_KINDS and isinstance(value, int):
            obj[key] = str(value) if rng.random() < 0.5 else float(value)
            changed = True
        elif f.type in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE) and isinstance(value, (int, float)):
            obj[key] = repr(float(value))
            changed = True
    return changed


def mutations(text, obj, desc, rng):
    """Broken variants of a message's JSON, for both parsers to refuse (or,
    where json_format accepts one after all, to read alike)."""
    out = []
    if isinstance(obj, dict) and obj:
        key = rng.choice(sorted(obj))
        out.append(("duplicate_field", text.rstrip()[:-1].rstrip() + ", %s: %s}"
                    % (json.dumps(key), json.dumps(obj[key]))))
        f = desc.fields_by_camelcase_name.get(key)
        if f is not None and f.label != FD.LABEL_REPEATED and not is_message(f):
            wrong = {FD.TYPE_STRING: 5, FD.TYPE_BYTES: 5, FD.TYPE_BOOL: "true"}.get(
                f.type, [1, 2])
            bad = dict(obj)
            bad[key] = wrong
            out.append(("wrong_type", json.dumps(bad)))
            if f.type in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
                bad[key] = rng.choice([2**31, -2**31 - 1, 1.5])
                out.append(("out_of_range", json.dumps(bad)))
    out.append(("trailing_garbage", text + rng.choice(["x", "}", ",", "{}", "0"])))
    if len(text) > 2:
        out.append(("truncated", text[:rng.randint(1, len(text) - 1)]))
    return out


def parse_cases(schemas, name, msg, rng):
    """(variant, op, JSON text) to parse, json_format's verdict decides."""
    cases = [
        ("json_names", "parse", json_format.MessageToJson(msg)),
        ("compact", "parse", json.dumps(json.loads(json_format.MessageToJson(msg)),
                                        separators=(",", ":"), ensure_ascii=False)),
        ("proto_names", "parse",
         json_format.MessageToJson(msg, preserving_proto_field_name=True)),
        ("defaults", "parse",
         json_format.MessageToJson(msg, including_default_value_fields=True)),
        ("enums_as_ints", "parse", json_format.MessageToJson(msg, use_integers_for_enums=True)),
        ("ascii_escapes", "parse", json.dumps(json.loads(json_format.MessageToJson(msg)),
                                              ensure_ascii=True)),
    ]
    if name in (P3, P2, JT):
        obj = json.loads(json_format.MessageToJson(msg))
        if variant_int64_as_numbers(obj, msg.DESCRIPTOR):
            cases.append(("int64_numbers_urlsafe_bytes", "parse", json.dumps(obj)))
        obj = json.loads(json_format.MessageToJson(msg))
        if variant_quoted_numbers(obj, msg.DESCRIPTOR, rng):
            cases.append(("quoted_numbers", "parse", json.dumps(obj)))
        with_unknown = json.loads(json_format.MessageToJson(msg))
        with_unknown["cgrpcUnknownField"] = {"a": [1, "x", None, {"b": True}]}
        text = json.dumps(with_unknown)
        cases.append(("unknown_field", "parse", text))
        cases.append(("unknown_field_ignored", "parse:ignore_unknown", text))
        compact = json.dumps(json.loads(json_format.MessageToJson(msg)))
        for variant, broken in mutations(compact, json.loads(compact), msg.DESCRIPTOR, rng):
            cases.append((variant, "parse", broken))
    return cases


def mode_parse(args, schemas):
    records, expected = [], []
    for label, name, msg in random_messages(schemas, args.seeds):
        rng = random.Random(label)
        for variant, op, text in parse_cases(schemas, name, msg, rng):
            ref = new_of(schemas, name)
            try:
                json_format.Parse(text, ref, ignore_unknown_fields=op.endswith("ignore_unknown"))
                verdict = canonical(ref)
            except json_format.ParseError as e:
                verdict = e
            records.append((op, name, text.encode("utf-8")))
            expected.append((label, name, variant, text, verdict))
    results = run_tool(args.tool, args.work, records)
    fails = Failures(read_known(args.known, "parse"))
    rejected = 0
    for (label, name, variant, text, verdict), (ok, out) in zip(expected, results):
        family = "%s %s" % (variant, name)
        where = "%s variant=%s" % (label, variant)
        if isinstance(verdict, Exception):
            rejected += 1
            if ok:
                fails.add(family, "%s: cgrpc accepted what json_format rejects (%s): %s"
                          % (where, verdict, text))
            continue
        if not ok:
            fails.add(family, "%s: cgrpc rejected (%s): %s"
                      % (where, out.decode("utf-8", "replace"), text))
            continue
        got = new_of(schemas, name)
        got.ParseFromString(out)
        if canonical(got) != verdict:
            ref = new_of(schemas, name)
            ref.ParseFromString(verdict)
            fails.add(family, "%s: cgrpc parsed to another message:\n%s\n  json: %s"
                      % (where, message_difference(ref, got), text[:400]))
    print("json_format rejects %d of the %d inputs, accepts %d" % (rejected, len(records),
                                                                  len(records) - rejected))
    return report("parse", len(records), fails)


def report(mode, n, fails):
    for family, count in sorted(fails.per_family.items()):
        print("  %-50s %d failures" % (family, count))
    for k, count in fails.known.items():
        if count:
            print("KNOWN   %d cases match %r (known_differences.txt)" % (count, k.pattern))
        else:
            print("NOTE    no case matches %r: remove it from known_differences.txt" % k.pattern)
    print("json_diff %s: %d cases, %d failures" % (mode, n, fails.count))
    return 0 if fails.count == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["print", "parse"])
    ap.add_argument("--tool", required=True, help="json_convert_tool")
    ap.add_argument("--seeds", type=int, default=100, help="random messages per type")
    ap.add_argument("--proto-src", required=True, help="the fetched protobuf source tree")
    ap.add_argument("--work", required=True)
    ap.add_argument("--jsontest-proto", help="tests/unit/json/proto: also test jsontest.All")
    ap.add_argument("--known", help="known_differences.txt: failures to report but accept")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    schemas = load_schemas(args.proto_src, args.work)
    if args.jsontest_proto:
        load_jsontest(args.jsontest_proto, args.work, schemas)
    return mode_print(args, schemas) if args.mode == "print" else mode_parse(args, schemas)


if __name__ == "__main__":
    sys.exit(main())
