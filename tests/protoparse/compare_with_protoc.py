#!/usr/bin/python3
"""Compares cgrpc's .proto parser with protoc, file by file.

For every .proto under each ROOT, runs
    protoc --include_imports --descriptor_set_out=ref.pb -I ROOT -I... FILE
and `protoparse_dump -I ROOT -I... ours.pb FILE`, and requires the two
descriptor sets to be byte for byte the same. Files protoc itself rejects are
listed and skipped (the parser must reject them too). A mismatch is reported
with the file and the path of the first field that differs.

usage: compare_with_protoc.py DUMP PROTOC ROOT[/SUBDIR][:EXTRA_INCLUDE...]...

ROOT is the import path the files are named relative to; with "/SUBDIR"
written as ROOT//SUBDIR only the files under ROOT/SUBDIR are compared
(/usr/include//google/protobuf: google/protobuf/*.proto, not all of
/usr/include).
"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2


def first_difference(a, b, path):
    """The path of the first field where messages a and b differ, or None."""
    fields = {f.number: f for f in a.DESCRIPTOR.fields}
    for number in sorted(fields):
        f = fields[number]
        name = f.name
        if f.label == f.LABEL_REPEATED:
            va, vb = getattr(a, name), getattr(b, name)
            for i in range(max(len(va), len(vb))):
                p = "%s.%s[%d]" % (path, name, i)
                if i >= len(va) or i >= len(vb):
                    return "%s: present in %s only" % (p, "protoc" if i < len(va) else "ours")
                if f.type == f.TYPE_MESSAGE:
                    d = first_difference(va[i], vb[i], p + describe(va[i]))
                    if d:
                        return d
                elif va[i] != vb[i]:
                    return "%s: protoc %r, ours %r" % (p, va[i], vb[i])
            continue
        ha = a.HasField(name) if f.type == f.TYPE_MESSAGE or a.DESCRIPTOR.file.syntax == "proto2" else True
        hb = b.HasField(name) if f.type == f.TYPE_MESSAGE or b.DESCRIPTOR.file.syntax == "proto2" else True
        p = "%s.%s" % (path, name)
        if ha != hb:
            return "%s: set in %s only" % (p, "protoc" if ha else "ours")
        if not ha:
            continue
        if f.type == f.TYPE_MESSAGE:
            d = first_difference(getattr(a, name), getattr(b, name), p)
            if d:
                return d
        elif getattr(a, name) != getattr(b, name):
            return "%s: protoc %r, ours %r" % (p, getattr(a, name), getattr(b, name))
    if a.SerializeToString() != b.SerializeToString():
        return "%s: same fields, different bytes (unknown fields: custom options)" % path
    return None


def describe(m):
    name = getattr(m, "name", None) if hasattr(m, "name") else None
    return "(%s)" % name if isinstance(name, str) and name else ""


def main():
    dump, protoc = sys.argv[1], sys.argv[2]
    checked, skipped, failures = 0, [], []
    tmp = tempfile.mkdtemp(prefix="protoparse-")
    jobs = []
    for spec in sys.argv[3:]:
        root, *extra = spec.split(":")
        root, _, subdir = root.partition("//")
        includes = []
        for d in [root] + extra:
            includes += ["-I", d]
        files = []
        for dirpath, _, names in os.walk(os.path.join(root, subdir)):
            files += [os.path.relpath(os.path.join(dirpath, n), root) for n in names if n.endswith(".proto")]
        jobs += [(root, includes, name) for name in sorted(files)]

    def run(index_job):
        index, (root, includes, name) = index_job
        ref, ours = os.path.join(tmp, "ref%d.pb" % index), os.path.join(tmp, "ours%d.pb" % index)
        p = subprocess.run([protoc, "--include_imports", "--descriptor_set_out=" + ref] + includes + [name],
                           capture_output=True, text=True)
        o = subprocess.run([dump] + includes + [ours, name], capture_output=True, text=True)
        where = "%s/%s" % (root, name)
        if p.returncode != 0:
            first = (p.stderr.strip().splitlines() or ["?"])[0]
            if o.returncode == 0:
                return "fail", "%s: protoc rejects it (%s) but the parser accepts it" % (where, first)
            return "skip", "%s (protoc: %s)" % (where, first)
        if o.returncode != 0:
            return "fail", "%s: the parser fails: %s" % (where, o.stderr.strip())
        a, b = open(ref, "rb").read(), open(ours, "rb").read()
        if a == b:
            return "same", where
        sa, sb = descriptor_pb2.FileDescriptorSet(), descriptor_pb2.FileDescriptorSet()
        sa.ParseFromString(a)
        sb.ParseFromString(b)
        return "fail", "%s: %s" % (where, first_difference(sa, sb, "set") or "bytes differ")

    # Two at a time: protoc's start-up dominates, and machines have two cores.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for kind, text in pool.map(run, enumerate(jobs)):
            if kind == "skip":
                skipped.append(text)
            elif kind == "fail":
                failures.append(text)
            else:
                checked += 1
    checked += len([f for f in failures if "protoc rejects" not in f])
    for s in skipped:
        print("skipped, protoc rejects it too: " + s)
    for f in failures:
        print("MISMATCH " + f)
    print("%d files compared with protoc, %d identical, %d skipped" % (checked, checked - len([f for f in failures if "protoc rejects" not in f]), len(skipped)))
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
