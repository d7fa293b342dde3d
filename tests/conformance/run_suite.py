#!/usr/bin/env python3
"""Runs protobuf's conformance suite against cgrpc_conformance (ctest
conformance.binary_json) and prints what passed, per category.

    run_suite.py --runner conformance_test_runner --testee cgrpc_conformance
                 --failure-list failure_list.txt --work DIR

The runner is given --enforce_recommended, so required and recommended tests
both count. The test fails when a test fails that the failure list (meant to
be empty) does not name, and when a binary or JSON test answers `skipped`:
only text format tests may be skipped (cgrpc has no text format). A listed
test that passes is only noted, so that a JSON fix merged from another branch
does not turn this test red; --update-failure-list rewrites the list to the
tests failing now.

The categories are the input and output formats of the tests' requests: the
testee tallies every request (CGRPC_CONFORMANCE_TALLY), and the runner
prints the request of each failing and skipped test. The runner's full
output is kept in DIR/runner.log.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

LABEL = {"PROTOBUF": "binary", "JSON": "JSON", "TEXT_FORMAT": "text", "JSPB": "JSPB"}


def category_of(line):
    """(input, output) formats of the test an ERROR or SKIPPED line of the
    runner reports, from the request it prints (a test's name does not
    always say both: "Required.DurationProtoInputTooLarge.JsonOutput")."""
    # The request's fields print in field number order: protobuf and JSON
    # payloads first, JSPB and text payloads after message_type.
    request = line.split(" request=", 1)[-1]
    inp = re.search(r"(?:^| )(protobuf|json|jspb|text)_payload: ", request)
    out = re.search(r"(?:^| )requested_output_format: ([A-Z_]+) message_type: ", request)
    inp = {"protobuf": "PROTOBUF", "json": "JSON", "jspb": "JSPB",
           "text": "TEXT_FORMAT"}[inp.group(1)] if inp else "UNSPECIFIED"
    return inp, out.group(1) if out else "UNSPECIFIED"


def category_label(cat):
    inp, out = cat
    return "%s -> %s" % (LABEL.get(inp, inp), LABEL.get(out, out))


def read_failure_list(path):
    with open(path) as f:
        return {l.strip() for l in f if l.strip() and not l.startswith("#")}


def write_failure_list(path, names):
    header = []
    with open(path) as f:
        header = [l for l in f if l.startswith("#")]
    with open(path, "w") as f:
        f.writelines(header)
        f.writelines(n + "\n" for n in sorted(names))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runner", required=True)
    ap.add_argument("--testee", required=True)
    ap.add_argument("--failure-list", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--update-failure-list", action="store_true",
                    help="rewrite the failure list to the tests failing now (and pass)")
    args = ap.parse_args()
    for attr in ("runner", "testee", "failure_list", "work"):
        setattr(args, attr, os.path.abspath(getattr(args, attr)))

    os.makedirs(args.work, exist_ok=True)
    tally_path = os.path.join(args.work, "tally.txt")
    log_path = os.path.join(args.work, "runner.log")
    failing_path = os.path.join(args.work, "failing_tests.txt")
    empty_list = os.path.join(args.work, "empty_failure_list.txt")
    for leftover in (tally_path, failing_path, "succeeding_tests.txt", "nonexistent_tests.txt"):
        path = os.path.join(args.work, leftover)
        if os.path.exists(path):
            os.remove(path)
    open(empty_list, "w").close()
    listed = read_failure_list(args.failure_list)

    # The runner gets an empty list, so that it names every failing test with
    # its request; the list is applied here.
    env = dict(os.environ, CGRPC_CONFORMANCE_TALLY=tally_path)
    cmd = [args.runner, "--enforce_recommended", "--verbose", "--failure_list", empty_list,
           "--output_dir", args.work, args.testee]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          cwd=args.work)
    output = proc.stdout.decode("utf-8", "replace")
    with open(log_path, "w") as f:
        f.write(output)
    summaries = re.findall(r"^CONFORMANCE SUITE .*$", output, re.M)
    if not summaries or not os.path.exists(tally_path):
        print(output[-4000:])
        print("the runner ended without a report (exit status %d); see %s"
              % (proc.returncode, log_path))
        return 1

    total = collections.Counter()
    with open(tally_path) as f:
        for line in f:
            inp, out = line.split()[:2]
            total[(inp, out)] += 1
    failed = collections.defaultdict(set)
    skipped = collections.defaultdict(set)
    for kind, name, line in re.findall(r"^((?:ERROR|SKIPPED), test=)([^:\s]+)(.*)$", output,
                                       re.M):
        (failed if kind.startswith("ERROR") else skipped)[category_of(line)].add(name)
    all_failed = set().union(*failed.values()) if failed else set()

    print("protobuf conformance suite (3.21.12), --enforce_recommended, failure list: %d entries"
          % len(listed))
    print("%-18s %7s %7s %7s %7s" % ("category", "tests", "passed", "failed", "skipped"))
    order = [("PROTOBUF", "PROTOBUF"), ("PROTOBUF", "JSON"), ("JSON", "PROTOBUF"),
             ("JSON", "JSON")]
    cats = order + sorted(set(total) - set(order))
    sums = collections.Counter()
    for cat in cats:
        n, nf, ns = total[cat], len(failed[cat]), len(skipped[cat])
        if not n:
            continue
        print("%-18s %7d %7d %7d %7d" % (category_label(cat), n, n - nf - ns, nf, ns))
        key = "text" if "TEXT_FORMAT" in cat else "binary+JSON"
        sums[key, "n"] += n
        sums[key, "failed"] += nf
        sums[key, "skipped"] += ns
    for key in ("binary+JSON", "text"):
        n = sums[key, "n"]
        if n:
            print("%-18s %7d %7d %7d %7d" % ("total " + key, n,
                                            n - sums[key, "failed"] - sums[key, "skipped"],
                                            sums[key, "failed"], sums[key, "skipped"]))
    if not sums["text", "n"]:
        print("(the runner runs the text format suite only when this one has no failures)")

    ok = True
    for cat in cats:
        for name in sorted(failed[cat]):
            if name in listed:
                print("FAILED  %s (expected: in the failure list)" % name)
            else:
                print("FAILED  %s" % name)
                ok = False
    for name in sorted(n for cat, names in skipped.items() for n in names
                       if "TEXT_FORMAT" not in cat):
        print("SKIPPED %s (only text format tests may be skipped)" % name)
        ok = False
    for name in sorted(listed - all_failed):
        print("NOTE    %s is in the failure list but did not fail: remove it" % name)
    if args.update_failure_list:
        write_failure_list(args.failure_list, all_failed)
        print("wrote %d names to %s" % (len(all_failed), args.failure_list))
        return 0
    if not ok:
        print("unexpected failures; the runner's report (requests and responses): %s" % log_path)
        print("to accept the failures as they are: %s --update-failure-list"
              % " ".join(sys.argv))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
