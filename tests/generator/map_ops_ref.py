#!/usr/bin/env python3
"""Replays random map operations through Python protobuf, the reference.

Usage: map_ops_ref.py TEST_MAPS PROTOC PROTO_DIR WORK_DIR [SEEDS]

`TEST_MAPS ops SEED COUNT` puts and deletes keys in the maps of
cgrpc_test/maps.proto through the generated accessors and prints each
operation ("put FIELD KEY VALUE", "del FIELD KEY FOUND") and then the
deterministic encoding of the result ("bytes HEX"). This script applies the
same operations to the Python message and checks that every delete found
what Python finds and that Python's deterministic serialization is the same
bytes. Keys and values that are strings or bytes travel in hex.
"""
import os
import subprocess
import sys


def main():
    tool, protoc, proto_dir, work = sys.argv[1:5]
    seeds = int(sys.argv[5]) if len(sys.argv) > 5 else 300
    os.makedirs(work, exist_ok=True)
    subprocess.run([protoc, f"-I{proto_dir}", f"--python_out={work}", "cgrpc_test/maps.proto"],
                   check=True)
    sys.path.insert(0, work)
    from cgrpc_test import maps_pb2  # noqa: E402 (generated just above)

    string_valued = {"i32_str", "bool_str", "str_str"}
    failures = 0
    for seed in range(1, seeds + 1):
        out = subprocess.run([tool, "ops", str(seed), "60"], check=True, capture_output=True,
                             text=True).stdout.splitlines()
        m = maps_pb2.Maps()
        for line in out[:-1]:
            verb, field, key, arg = line.split(" ")
            target = getattr(m, field)
            if field == "str_str":
                key = bytes.fromhex(key).decode("utf-8")
            elif field == "bool_str":
                key = key == "1"
            else:
                key = int(key)
            if verb == "del":
                found = key in target
                if found != (arg == "1"):
                    print(f"seed={seed}: {line}: Python found={found}")
                    failures += 1
                if found:
                    del target[key]
            elif field == "sf32_msg":
                target[key].x = int(arg)
                target[key].y = -int(arg)
            elif field in string_valued:
                target[key] = bytes.fromhex(arg).decode("utf-8")
            elif field == "i64_bytes":
                target[key] = bytes.fromhex(arg)
            elif field == "s64_bool":
                target[key] = arg == "1"
            else:
                target[key] = int(arg)
        got = bytes.fromhex(out[-1].split(" ", 1)[1])
        want = m.SerializeToString(deterministic=True)
        if got != want:
            print(f"seed={seed}: cgrpc {got.hex()}\n{' ' * len(f'seed={seed}: ')}python {want.hex()}")
            failures += 1
    print(f"{seeds} seeds, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
