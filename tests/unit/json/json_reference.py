#!/usr/bin/python3
"""Differential test of cgrpc's JSON codec against Python protobuf's json_format.

Random jsontest.All messages (every field kind, every well-known type, Any
holding user and well-known types) go both ways:

  cgrpc-print:  Python serializes M; cgrpc decodes and prints JSON; Python's
                json_format.Parse of that text must give M back.
  cgrpc-parse:  Python prints M with json_format.MessageToJson; cgrpc parses it
                and encodes binary; Python must decode that to M.

Usage: json_reference.py --tool json_diff_tool --proto-dir DIR --work DIR [--seeds N]
"""
import argparse
import math
import os
import random
import struct
import subprocess
import sys


def generate(proto_dir, work):
    os.makedirs(work, exist_ok=True)
    subprocess.run(["protoc", "-I" + proto_dir, "-I/usr/include", "--python_out=" + work,
                    "jsontest/all3.proto"], check=True)
    sys.path.insert(0, work)


def rand_string(r):
    alphabet = ["a", "Z", "0", " ", "\"", "\\", "\n", "\t", "\x01", "é", "€", "😀", "/", "<"]
    return "".join(r.choice(alphabet) for _ in range(r.randint(0, 8)))


def rand_double(r):
    # No -0.0: Python's json module reads "-0" (what cgrpc and C++ print) as
    # the integer 0, so json_format loses the sign, whatever printed it.
    return r.choice([0.0, 1.5, -2.25, 1e300, 5e-324, 0.1, 123456789.125,
                     r.uniform(-1e9, 1e9), math.inf, -math.inf, r.random()])


def rand_float(r):
    v = struct.unpack("<f", struct.pack("<f", r.choice([0.1, 3.5, -1e30, 1e-40, r.uniform(-1e6, 1e6)])))[0]
    return r.choice([v, math.inf])


def fill(m, r, depth):
    from google.protobuf import descriptor as d
    from jsontest import all3_pb2
    F = d.FieldDescriptor
    for f in m.DESCRIPTOR.fields:
        if r.random() < 0.5:
            continue
        if f.message_type and f.message_type.GetOptions().map_entry:
            kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            for _ in range(r.randint(0, 3)):
                k = scalar(kf, r)
                if vf.message_type:
                    fill_message(getattr(m, f.name)[k], vf.message_type.full_name, r, depth + 1)
                else:
                    getattr(m, f.name)[k] = scalar(vf, r)
            continue
        if f.label == F.LABEL_REPEATED:
            for _ in range(r.randint(0, 3)):
                if f.message_type:
                    fill_message(getattr(m, f.name).add(), f.message_type.full_name, r, depth + 1)
                else:
                    getattr(m, f.name).append(scalar(f, r))
            continue
        if f.message_type:
            if f.message_type.full_name == "jsontest.All" and depth > 1:
                continue
            fill_message(getattr(m, f.name), f.message_type.full_name, r, depth + 1)
        else:
            setattr(m, f.name, scalar(f, r))


def scalar(f, r):
    from google.protobuf import descriptor as d
    F = d.FieldDescriptor
    t = f.type
    if t in (F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32):
        return r.choice([0, 1, -1, 2**31 - 1, -2**31, r.randint(-1000, 1000)])
    if t in (F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64):
        return r.choice([0, -1, 2**63 - 1, -2**63, 2**53 + 1, r.randint(-10**12, 10**12)])
    if t in (F.TYPE_UINT32, F.TYPE_FIXED32):
        return r.choice([0, 1, 2**32 - 1, r.randint(0, 10**6)])
    if t in (F.TYPE_UINT64, F.TYPE_FIXED64):
        return r.choice([0, 2**64 - 1, r.randint(0, 10**15)])
    if t == F.TYPE_BOOL:
        return r.random() < 0.5
    if t == F.TYPE_STRING:
        return rand_string(r)
    if t == F.TYPE_BYTES:
        return bytes(r.randint(0, 255) for _ in range(r.randint(0, 7)))
    if t == F.TYPE_DOUBLE:
        return rand_double(r)
    if t == F.TYPE_FLOAT:
        return rand_float(r)
    if t == F.TYPE_ENUM:
        values = [v.number for v in f.enum_type.values]
        if f.enum_type.full_name == "google.protobuf.NullValue":
            return 0
        return r.choice(values + [77])
    raise ValueError(t)


def fill_value(v, r, depth):
    kind = r.choice(["null", "number", "string", "bool", "struct", "list"] if depth < 4
                    else ["null", "number", "string", "bool"])
    if kind == "null":
        v.null_value = 0
    elif kind == "number":
        v.number_value = r.choice([0.0, 1.5, -3.0, 1e20, r.uniform(-1e6, 1e6)])
    elif kind == "string":
        v.string_value = rand_string(r)
    elif kind == "bool":
        v.bool_value = r.random() < 0.5
    elif kind == "struct":
        v.struct_value.SetInParent()
        for _ in range(r.randint(0, 2)):
            fill_value(v.struct_value.fields[rand_string(r)], r, depth + 1)
    else:
        v.list_value.SetInParent()
        for _ in range(r.randint(0, 2)):
            fill_value(v.list_value.values.add(), r, depth + 1)


def fill_message(m, name, r, depth):
    from google.protobuf import duration_pb2, timestamp_pb2, wrappers_pb2, field_mask_pb2
    from jsontest import all3_pb2
    m.SetInParent()
    if name == "google.protobuf.Timestamp":
        m.seconds = r.randint(-62135596800, 253402300799)
        m.nanos = r.choice([0, 1000000, 1000, 1, r.randint(0, 999999999)])
    elif name == "google.protobuf.Duration":
        s = r.randint(-315576000000, 315576000000)
        n = r.choice([0, 1000000, 1000, 1, r.randint(0, 999999999)])
        m.seconds, m.nanos = s, (-n if s < 0 else n)
    elif name == "google.protobuf.FieldMask":
        for _ in range(r.randint(0, 3)):
            m.paths.append(r.choice(["a", "foo_bar", "foo_bar.baz_qux", "x1.y2"]))
    elif name == "google.protobuf.Value":
        fill_value(m, r, 0)
    elif name == "google.protobuf.Struct":
        for _ in range(r.randint(0, 3)):
            fill_value(m.fields[rand_string(r)], r, 1)
    elif name == "google.protobuf.ListValue":
        for _ in range(r.randint(0, 3)):
            fill_value(m.values.add(), r, 1)
    elif name == "google.protobuf.Any":
        inner = r.choice(["inner", "duration", "wrapper", "empty"])
        if inner == "inner":
            x = all3_pb2.Inner(a=r.randint(-5, 5), b=rand_string(r))
        elif inner == "duration":
            x = duration_pb2.Duration(seconds=r.randint(-100, 100))
        elif inner == "wrapper":
            x = wrappers_pb2.Int64Value(value=r.randint(-10**15, 10**15))
        else:
            x = field_mask_pb2.FieldMask(paths=["a_b"])
        m.Pack(x)
    elif name.startswith("google.protobuf.") and name.endswith("Value"):
        f = m.DESCRIPTOR.fields_by_name["value"]
        m.value = scalar(f, r)
    elif name == "google.protobuf.Empty":
        pass
    else:
        fill(m, r, depth)


def run_tool(tool, mode, records):
    data = b"".join(struct.pack("<I", len(x)) + x for x in records)
    out = subprocess.run([tool, mode], input=data, stdout=subprocess.PIPE, check=True).stdout
    replies, i = [], 0
    while i < len(out):
        ok, n = out[i] == 0, struct.unpack("<I", out[i + 1:i + 5])[0]
        replies.append((ok, out[i + 5:i + 5 + n]))
        i += 5 + n
    return replies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--seeds", type=int, default=300)
    a = ap.parse_args()
    generate(a.proto_dir, a.work)
    from google.protobuf import json_format
    from jsontest import all3_pb2
    msgs = []
    for seed in range(a.seeds):
        m = all3_pb2.All()
        fill(m, random.Random(seed), 0)
        msgs.append(m)
    failures = 0
    # cgrpc prints, Python parses.
    for seed, (m, (ok, text)) in enumerate(zip(msgs, run_tool(a.tool, "print",
                                                                [x.SerializeToString() for x in msgs]))):
        if not ok:
            failures += 1
            print("cgrpc-print seed %d: cgrpc failed: %s" % (seed, text.decode()))
            continue
        back = all3_pb2.All()
        try:
            json_format.Parse(text.decode(), back)
        except Exception as e:  # noqa: BLE001 - report any parse failure
            failures += 1
            print("cgrpc-print seed %d: Python cannot parse %r: %s" % (seed, text[:300], e))
            continue
        if back.SerializeToString(deterministic=True) != m.SerializeToString(deterministic=True):
            failures += 1
            print("cgrpc-print seed %d: differs after the round trip:\n%s" % (seed, text[:500]))
    # Python prints, cgrpc parses.
    texts = [json_format.MessageToJson(m).encode() for m in msgs]
    for seed, (m, text, (ok, data)) in enumerate(zip(msgs, texts, run_tool(a.tool, "parse", texts))):
        if not ok:
            failures += 1
            print("cgrpc-parse seed %d: cgrpc failed: %s\n%s" % (seed, data.decode(), text[:500]))
            continue
        back = all3_pb2.All()
        back.ParseFromString(data)
        if back.SerializeToString(deterministic=True) != m.SerializeToString(deterministic=True):
            failures += 1
            print("cgrpc-parse seed %d: differs:\n%s" % (seed, text[:500]))
    print("%d messages, both ways: %d failures" % (len(msgs), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
