#!/usr/bin/python3
"""Differential tests of the cgrpc protobuf engine against the reference.

The reference is Python protobuf (the C++ implementation underneath) and
protoc. Three checks, each a ctest case:

  ref-to-cgrpc  Python builds random messages (fixed seeds) and crafted
                encodings (shuffled, split, packed/unpacked mixed, noise);
                pb_diff_tool decodes each with cgrpc, re-encodes
                deterministically and must produce exactly the bytes Python
                produces for its own parse of the same input.
  cgrpc-to-ref  pb_diff_tool fills random messages by walking the tables and
                encodes them; Python parses each and re-serializes
                deterministically: the bytes must be identical.
  protoc-text   Hand-written text messages (text/*.txtpb): protoc --encode
                gives bytes that cgrpc must decode to the expected values; the
                same message built in C must protoc --decode to the same text
                as the reference's own round trip.

A fourth mode, seed-corpus, writes the fuzz targets' seed inputs.

Records exchanged with pb_diff_tool are sequences of blobs, each a 4-byte
little-endian length then the bytes: check records are (label, message type,
input, expected), generated records are (label, message type, encoding).
"""

import argparse
import contextlib
import itertools
import os
import struct
import subprocess
import sys
import tempfile
import warnings
import zlib

from google.protobuf import message

import ref_edge_cases as E
import ref_random as R


def build(rng, cls, extensions=()):
    return R.Builder(rng, max_depth=3, extensions=extensions).fill(cls())


def serialized(msg):
    return msg.SerializePartialToString(deterministic=True)


def random_bytes(rng, cls, exts):
    return serialized(build(rng, cls, exts))


def crafted(*noise):
    # Extensions are known to the reference and unknown to cgrpc; with other
    # unknown fields in play their relative order would differ.
    # Non-canonical extension values would be canonicalised by the reference
    # only, for the same reason.
    makes_unknown = {R.NOISE_UNKNOWN, R.NOISE_CLOSED_ENUM, R.NOISE_WIRE_TYPE,
                     R.NOISE_NONCANONICAL} & set(noise)
    return lambda rng, cls, exts: R.Crafter(rng, noise).encode(
        build(rng, cls, () if makes_unknown else exts))


def evolved(rng, cls, exts):
    """A v2 record with unknown fields of its own, as v2 writes it."""
    return serialized(cls.FromString(R.Crafter(rng, (R.NOISE_UNKNOWN,)).encode(build(rng, cls))))


def appended(piece):
    """A random message (no extensions, which would move) plus one piece."""
    def make(rng, cls, exts):
        extra = piece(rng, cls.DESCRIPTOR)
        return random_bytes(rng, cls, ()) + extra
    return make


def corrupted(rng, cls, exts):
    """A random message, damaged; not in a way implementations may read
    differently (ref_edge_cases.ambiguous)."""
    data = random_bytes(rng, cls, ())
    while True:
        damaged = E.corrupt(rng, data)
        if not E.ambiguous(cls.DESCRIPTOR, damaged):
            return damaged


def closed_enum_map_value(rng, cls, exts):
    """A map entry whose value its closed enum does not define, after a random
    message. proto2 puts such an entry, whole, among the unknown fields (what
    protobuf's generated C++ and upb do); the Python reference, parsing through
    DynamicMessage, stores the entry with the enum's default value instead. So
    the expectation here follows the rule: the rest of the message as the
    reference writes it, then the entry as it arrived."""
    base = random_bytes(rng, cls, ())
    entry = E.map_entry_piece(rng, cls.DESCRIPTOR, "closed-enum-value")
    return base + entry, reference_reencode(cls, base) + entry


# name, decoding (copy the type name; "a>b" means written as a, read as b),
# how inputs are made (the bytes, or the bytes and the expected result where
# the reference is known to be wrong), and label flags: "decode=partial" lets
# cgrpc accept missing required fields like the reference's MergeFromString;
# "expect=" names the error cgrpc must give where the reference refuses;
# "recheck" lets the reference judge cgrpc's bytes where they differ: damaged
# input can hold unknown fields in a non-canonical form, which the reference
# re-encodes and cgrpc keeps as received; and the reference drops unknown
# fields inside map entries, which cgrpc keeps (both read back the same).
FAMILIES = [
    ("random", ["p3", "p2", "v2"], random_bytes, ""),
    ("crafted-order", ["p3", "p2", "v2"], crafted(), ""),
    ("crafted-overwrite", ["p3", "p2", "v2"], crafted(R.NOISE_OVERWRITE), ""),
    ("crafted-mapdup", ["p3", "p2"], crafted(R.NOISE_MAP_DUP), ""),
    ("crafted-unknown", ["p3", "p2", "v2"], crafted(R.NOISE_UNKNOWN), ""),
    ("crafted-closedenum", ["p2", "v2"], crafted(R.NOISE_CLOSED_ENUM), ""),
    ("crafted-wiretype", ["p3", "p2", "v2"], crafted(R.NOISE_WIRE_TYPE, R.NOISE_UNKNOWN), ""),
    ("crafted-noncanonical", ["p3", "p2", "v2"], crafted(R.NOISE_NONCANONICAL), ""),
    ("evolution", ["v2>v1"], random_bytes, ""),
    ("evolution-unknown", ["v2>v1"], evolved, ""),
    ("all-unknown", ["p3>empty", "p2>empty"], random_bytes, ""),
] + [
    (f"map-{kind}", ["p3", "p2"],
     appended(lambda rng, desc, kind=kind: E.map_entry_piece(rng, desc, kind)),
     "decode=partial recheck" if kind == "unknown-inside" else "decode=partial")
    for kind in E.MAP_ENTRY_KINDS
] + [
    ("map-closed-enum-value", ["p2"], closed_enum_map_value, "decode=partial"),
    ("oneof-switch", ["p3", "p2"], appended(E.oneof_switch_piece), "decode=partial"),
    ("bad-utf8-proto3", ["p3"], appended(E.bad_utf8_piece), "decode=partial expect=bad-utf8"),
    ("bad-utf8-proto2", ["p2"], appended(E.bad_utf8_piece), "decode=partial"),
    ("corrupted", ["p3", "p2", "v2"], corrupted, "decode=partial recheck"),
]
# Families that get more seeds than the others: damage finds more per case
# when it has more cases.
SEED_WEIGHT = {"corrupted": 5}


def load_modules(proto_dir, pymod):
    """Generates the Python modules of the test schemas (protoc --python_out)
    into `pymod` and imports them."""
    os.makedirs(pymod, exist_ok=True)
    protos = sorted(os.path.join(d, f)
                    for d, _, files in os.walk(proto_dir) for f in files if f.endswith(".proto"))
    subprocess.run(["protoc", f"-I{proto_dir}", f"--python_out={pymod}"] + protos, check=True)
    sys.path.insert(0, pymod)
    from pbtest import evolution_v1_pb2, evolution_v2_pb2, proto2_pb2, proto3_pb2

    types = {
        "p3": proto3_pb2.AllTypes,
        "p2": proto2_pb2.AllTypes2,
        "v1": evolution_v1_pb2.Record,
        "v2": evolution_v2_pb2.Record,
        "empty": proto3_pb2.Empty,
    }
    extensions = [proto2_pb2.ext_int32, proto2_pb2.ext_strings, proto2_pb2.ext_inner,
                  proto2_pb2.ext_packed]
    return types, extensions


def blob(b):
    return struct.pack("<I", len(b)) + b


def read_blobs(data):
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack_from("<I", data, i)
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def settle_maps(msg):
    """Touches every map so the reference serializes each key once.

    The C++ implementation under Python keeps a freshly parsed map as its list
    of entries, duplicate keys included, and a deterministic serialization of
    that state writes the duplicates; looking at the map through Python first
    turns it into a real map (last entry wins, as parsing requires)."""
    for fd, value in msg.ListFields():
        if R.is_map(fd):
            len(value)
            if fd.message_type.fields_by_number[2].type in R.MESSAGES:
                for k in value:
                    settle_maps(value[k])
        elif fd.type in R.MESSAGES:
            for sub in value if fd.label == fd.LABEL_REPEATED else [value]:
                settle_maps(sub)


def reference_parse(cls, data):
    """The reference's parse of `data` (required fields may be missing);
    raises message.DecodeError where it refuses the bytes."""
    msg = cls()
    # At a stray end-group tag or a zero tag, Python's MergeFromString stops,
    # warns and returns how far it got, where protobuf's parsers fail: count
    # that as a refusal.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        consumed = msg.MergeFromString(data)
    if caught or consumed != len(data):
        raise message.DecodeError(f"parsing stopped at byte {consumed} of {len(data)}")
    settle_maps(msg)
    return msg


def reference_reencode(cls, data):
    return reference_parse(cls, data).SerializePartialToString(deterministic=True)


def hexdump_diff(label, got, want, got_name, want_name):
    i = 0
    while i < min(len(got), len(want)) and got[i] == want[i]:
        i += 1
    lo = max(0, i - 16)
    lines = [f"FAIL {label}",
             f"  {got_name}: {len(got)} bytes, {want_name}: {len(want)} bytes, "
             f"first difference at byte {i}"]
    for name, b in ((got_name, got), (want_name, want)):
        lines.append(f"  {name:>9} [{lo}..]: {b[lo:i + 32].hex(' ')}")
    return "\n".join(lines)


@contextlib.contextmanager
def quiet_stderr():
    """Silences the reference's C++ log lines (it logs every non-UTF-8
    proto2 string it parses) while keeping Python's own errors visible."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def reference_verdict(cls, data):
    """The reference's re-serialization of `data`, or None if it refuses it."""
    try:
        with quiet_stderr():
            return reference_reencode(cls, data)
    except (message.DecodeError, UnicodeDecodeError):
        return None


def craft_cases(types, extensions, seeds):
    """Yields (family, label, decode type name, input, expected); expected
    is None where the reference refuses the input."""
    for family, kinds, make, flags in FAMILIES:
        for kind in kinds:
            src, _, dst = kind.partition(">")
            cls, dst_cls = types[src], types[dst or src]
            # Seeds depend on the family's name, not its place in the list.
            base = (zlib.crc32(family.encode()) & 0xFFFF) * 100000
            for seed in range(seeds * SEED_WEIGHT.get(family, 1)):
                full_seed = base + seed
                data = make(R.new_rng(full_seed), cls, extensions)
                if isinstance(data, tuple):  # the family states its own expectation
                    data, expected = data
                else:
                    expected = reference_verdict(dst_cls, data)
                label = f"family={family} type={kind} seed={full_seed} {flags}".strip()
                if expected is None:
                    if "expect=" not in flags:
                        label += " expect=error"
                elif dst and expected != data:
                    # The premise of the evolution cases: the reference keeps
                    # unknown fields byte for byte.
                    raise SystemExit(hexdump_diff(label + " (reference itself)", expected, data,
                                                  "reference", "input"))
                elif "expect=" in flags:
                    raise SystemExit(f"FAIL {label}: the reference accepts this input")
                yield family, label, dst_cls.DESCRIPTOR.full_name, data, expected or b""


def run_ref_to_cgrpc(args, types, extensions):
    path = os.path.join(args.work, "ref_to_cgrpc.bin")
    counts = {}
    with open(path, "wb") as f:
        for family, label, type_name, data, expected in craft_cases(types, extensions, args.seeds):
            f.write(blob(label.encode()) + blob(type_name.encode()) + blob(data) + blob(expected))
            counts[family] = counts.get(family, 0) + 1
    total = sum(counts.values())
    print(f"reference -> cgrpc: {total} encodings from Python in {path}")
    for family, n in counts.items():
        print(f"  {family}: {n}")
    sys.stdout.flush()
    rc = subprocess.run([args.tool, "check", path]).returncode
    if rc < 0:
        find_crash(args, path, rc)
    if recheck(types, path + ".recheck"):
        rc = rc or 1
    return 1 if rc else 0


def recheck(types, path):
    """Judges the records pb_diff_tool left to the reference: cgrpc's bytes
    pass when the reference reads them as the message it expects. Returns
    the number that fail."""
    by_name = {cls.DESCRIPTOR.full_name: cls for cls in types.values()}
    blobs = read_blobs(open(path, "rb").read()) if os.path.exists(path) else []
    same = failed = 0
    for i in range(0, len(blobs), 4):
        label, type_name, got, want = (blobs[i].decode(), blobs[i + 1].decode(), blobs[i + 2],
                                       blobs[i + 3])
        if reference_verdict(by_name[type_name], got) == want:
            same += 1
            continue
        failed += 1
        if failed <= 5:
            print(hexdump_diff(label, got, want, "cgrpc", "reference"))
    if blobs:
        print(f"reference -> cgrpc: {same + failed} different encodings judged by the reference: "
              f"{same} mean the same (unknown fields kept as received, also inside map "
              f"entries), {failed} do not")
    return failed


def find_crash(args, path, rc):
    """The tool died of a signal: halve the records until one alone kills
    it, and name that input."""
    print(f"FAIL pb_diff_tool check died of signal {-rc}; looking for the input that kills it")
    sys.stdout.flush()
    blobs = read_blobs(open(path, "rb").read())
    records = [blobs[i:i + 4] for i in range(0, len(blobs), 4)]
    one = os.path.join(args.work, "crash_candidate.bin")

    def crashes(part):
        open(one, "wb").write(b"".join(blob(b) for r in part for b in r))
        return subprocess.run([args.tool, "check", one], capture_output=True).returncode < 0

    lo, hi = 0, len(records)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if crashes(records[lo:mid]):
            hi = mid
        elif crashes(records[mid:hi]):
            lo = mid
        else:
            break
    if hi - lo == 1 and crashes(records[lo:hi]):
        label, _, data, _ = records[lo]
        print(f"FAIL {label.decode()}: pb_diff_tool dies of signal; the record is in {one}")
        print(f"  input ({len(data)} bytes): {data[:96].hex(' ')}")
    else:
        print("  no single record reproduces the crash")


def run_cgrpc_to_ref(args, types):
    path = os.path.join(args.work, "cgrpc_to_ref.bin")
    rc = subprocess.run([args.tool, "generate", str(args.seeds), path]).returncode
    if rc != 0:
        print(f"FAIL pb_diff_tool generate exited with {rc}")
        return 1
    by_name = {cls.DESCRIPTOR.full_name: cls for cls in types.values()}
    blobs = read_blobs(open(path, "rb").read())
    failed, counts = 0, {}
    for i in range(0, len(blobs), 3):
        label, type_name, data = (blobs[i].decode(), blobs[i + 1].decode(), blobs[i + 2])
        cls = by_name[type_name]
        counts[type_name] = counts.get(type_name, 0) + 1
        try:
            msg = reference_parse(cls, data)
            if not msg.IsInitialized():
                missing = ", ".join(msg.FindInitializationErrors())
                raise message.DecodeError(f"required fields missing: {missing}")
            again = msg.SerializePartialToString(deterministic=True)
        except (message.DecodeError, UnicodeDecodeError) as e:
            failed += 1
            if failed <= 5:
                print(f"FAIL {label}: the reference cannot parse cgrpc's bytes: {e}")
                print(f"  cgrpc bytes ({len(data)}): {data[:64].hex(' ')}")
            continue
        if again != data:
            failed += 1
            if failed <= 5:
                print(hexdump_diff(label, data, again, "cgrpc", "reference"))
    total = sum(counts.values())
    print(f"cgrpc -> reference: {total} cgrpc encodings parsed and re-serialized by Python: "
          + ", ".join(f"{n} {t}" for t, n in counts.items()))
    print(f"cgrpc -> reference: {total - failed} identical, {failed} different")
    return 1 if failed or total == 0 else 0


def protoc(args, mode, type_name, proto, data):
    cmd = ["protoc", f"--{mode}={type_name}", f"-I{args.proto_dir}", proto]
    res = subprocess.run(cmd, input=data, capture_output=True)
    if res.returncode != 0:
        raise SystemExit(f"FAIL {' '.join(cmd)}: {res.stderr.decode()}")
    return res.stdout


TEXT_CASES = [
    # case name (text/<name>.txtpb, pb_diff_tool text-check <name>), type, proto
    ("proto3_all", "pbtest.p3.AllTypes", "pbtest/proto3.proto"),
    ("proto2_all", "pbtest.p2.AllTypes2", "pbtest/proto2.proto"),
]


def run_protoc_text(args):
    failed = 0
    here = os.path.dirname(os.path.abspath(__file__))
    for name, type_name, proto in TEXT_CASES:
        text = open(os.path.join(here, "text", name + ".txtpb"), "rb").read()
        ref_bytes = protoc(args, "encode", type_name, proto, text)
        in_path = os.path.join(args.work, name + ".ref.bin")
        out_path = os.path.join(args.work, name + ".cgrpc.bin")
        open(in_path, "wb").write(ref_bytes)
        rc = subprocess.run([args.tool, "text-check", name, in_path, out_path]).returncode
        if rc != 0:
            print(f"FAIL {name}: cgrpc does not decode protoc --encode output to the expected "
                  "values")
            failed += 1
            continue
        want = protoc(args, "decode", type_name, proto, ref_bytes).decode()
        got = protoc(args, "decode", type_name, proto, open(out_path, "rb").read()).decode()
        if got != want:
            failed += 1
            print(f"FAIL {name}: protoc --decode of cgrpc's encoding differs from the reference")
            for g, w in itertools.zip_longest(got.splitlines(), want.splitlines(), fillvalue=""):
                if g != w:
                    print(f"  cgrpc:     {g}\n  reference: {w}")
                    break
        else:
            print(f"ok {name}: protoc --encode -> cgrpc decode checked; cgrpc encode -> "
                  f"protoc --decode gives the same {len(want.splitlines())} lines of text")
    return 1 if failed else 0


def write_seed_corpus(args, types, extensions):
    """Small valid encodings for the pb fuzz targets' seed corpora (checked
    in under fuzz/corpus/; rerun this to refresh them)."""
    cases = []
    for kind, noise, seed in [("p3", None, 1), ("p3", (R.NOISE_UNKNOWN,), 2), ("p3", (), 3),
                              ("p2", None, 4), ("p2", (R.NOISE_CLOSED_ENUM,), 5), ("v2", None, 6),
                              ("v2", (R.NOISE_UNKNOWN,), 7), ("p3", None, 8)]:
        rng = R.new_rng(seed)
        builder = R.Builder(rng, max_depth=2, extensions=extensions if kind == "p2" else ())
        while True:  # the first small message from this seed
            msg = builder.fill(types[kind]())
            data = (msg.SerializePartialToString(deterministic=True) if noise is None
                    else R.Crafter(rng, noise).encode(msg))
            if 16 <= len(data) <= 1500:
                break
        cases.append((f"{kind}-{seed}.bin", data))
    for target in ("fuzz_pb_decode", "fuzz_pb_roundtrip"):
        out = os.path.join(args.work, target)
        os.makedirs(out, exist_ok=True)
        for name, data in cases:
            open(os.path.join(out, name), "wb").write(data)
        print(f"{out}: {len(cases)} seeds, {sum(len(d) for _, d in cases)} bytes")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["ref-to-cgrpc", "cgrpc-to-ref", "protoc-text", "seed-corpus"])
    ap.add_argument("--tool", help="pb_diff_tool executable")
    ap.add_argument("--proto-dir", required=True, help="import root of the test schemas")
    ap.add_argument("--work", required=True,
                    help="directory for the exchanged files (seed-corpus: fuzz/corpus)")
    ap.add_argument("--seeds", type=int, default=40, help="messages per family and type")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.mode == "seed-corpus":
        # The corpus directory is checked in: keep the generated modules out.
        with tempfile.TemporaryDirectory() as pymod:
            types, extensions = load_modules(args.proto_dir, pymod)
            return write_seed_corpus(args, types, extensions)
    if not args.tool:
        ap.error(f"{args.mode} needs --tool")
    types, extensions = load_modules(args.proto_dir, os.path.join(args.work, "py"))
    if args.mode == "ref-to-cgrpc":
        return run_ref_to_cgrpc(args, types, extensions)
    if args.mode == "cgrpc-to-ref":
        return run_cgrpc_to_ref(args, types)
    return run_protoc_text(args)


if __name__ == "__main__":
    sys.exit(main())
