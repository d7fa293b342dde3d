#!/usr/bin/env python3
"""check-exports.py — libcgrpc.so must export exactly the public API.

    scripts/check-exports.py [--ignore REGEX]... CC NM LIBCGRPC_SO INCLUDE_DIR

The public API is every function and extern variable declared in
INCLUDE_DIR/cgrpc/*.h, except static inline functions (they are compiled
into the user's program). The headers are run through the C preprocessor
(CC -E), so comments, conditionals and macros are dealt with as the compiler
does; only the lines that come from the public headers are read. The
library's exports are `NM -D --defined-only`. Exits 1 with the list of
symbols the library exports but no header declares (internal functions that
lost their hidden visibility) and of declared ones it does not export (a
public header without the `#pragma GCC visibility push(default)` line, or a
declaration with no definition). --ignore leaves out exports whose name
matches REGEX: what an instrumentation runtime linked into the library adds
(gcov's counters in a coverage build).
"""
import os
import re
import subprocess
import sys
import tempfile

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def header_text(cc, include_dir):
    """The public headers, preprocessed, keeping only their own lines."""
    headers = sorted(
        f for f in os.listdir(os.path.join(include_dir, "cgrpc")) if f.endswith(".h"))
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as src:
        for h in headers:
            src.write('#include "cgrpc/%s"\n' % h)
    try:
        out = subprocess.run([cc, "-E", "-std=c11", "-I", include_dir, src.name],
                             check=True, stdout=subprocess.PIPE,
                             universal_newlines=True).stdout
    finally:
        os.unlink(src.name)
    public_dir = os.path.realpath(os.path.join(include_dir, "cgrpc"))
    keep, lines = False, []
    for line in out.splitlines():
        m = re.match(r'#\s*\d+\s+"([^"]*)"', line)
        if m:
            keep = os.path.dirname(os.path.realpath(m.group(1))) == public_dir
        elif keep and not line.startswith("#"):
            lines.append(line)
    return "\n".join(lines), headers


def strip_attributes(s):
    """Removes __attribute__((...)) and __asm__(...), which hold parentheses."""
    while True:
        m = re.search(r"\b(__attribute__|__asm__|asm)\s*\(", s)
        if not m:
            return s
        depth, i = 0, m.end() - 1
        while i < len(s):
            depth += {"(": 1, ")": -1}.get(s[i], 0)
            i += 1
            if depth == 0:
                break
        s = s[:m.start()] + " " + s[i:]


def statements(text):
    """Top-level declarations, with the inside of every {} block removed."""
    depth, cur = 0, []
    for ch in text:
        if ch == "{":
            if depth == 0:
                cur.append("{}")
            depth += 1
        elif ch == "}":
            depth -= 1
            # The end of a function body ends its statement; a struct, union
            # or enum body is followed by its declarators and a `;`.
            if depth == 0 and re.search(r"\)\s*\{\}$", "".join(cur)):
                yield " ".join("".join(cur).split())
                cur = []
        elif depth > 0:
            continue
        elif ch == ";":
            yield " ".join("".join(cur).split())
            cur = []
        else:
            cur.append(ch)


def declared_symbols(text):
    names = set()
    for stmt in statements(text):
        stmt = strip_attributes(stmt).strip()
        words = IDENT.findall(stmt)
        if (not words or words[0] in ("typedef", "_Static_assert", "static_assert")
                or "static" in words):
            continue
        extern = words[0] == "extern"
        if "(" in stmt:
            paren = stmt.index("(")
            pointer = re.match(r"\(\s*\*\s*([A-Za-z_][A-Za-z0-9_]*)", stmt[paren:])
            if pointer:  # `T (*name)(...)`: a variable holding a function pointer
                if extern:
                    names.add(pointer.group(1))
                continue
            # A function: its name is the identifier before the first `(`.
            m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", stmt[:paren])
            if m:
                names.add(m.group(1))
            continue
        if extern:  # `extern T a, b[4];`
            decl = re.sub(r"\[[^]]*\]|=.*$|\{\}", " ", stmt)
            for part in decl.split(","):
                ids = IDENT.findall(part)
                if ids:
                    names.add(ids[-1])
    return names


def exported_symbols(nm, lib):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] not in ("A", "w", "v"):
            names.add(fields[2].split("@")[0])
    return names


def main():
    args, ignore = sys.argv[1:], []
    while len(args) >= 2 and args[0] == "--ignore":
        ignore.append(re.compile(args[1]))
        args = args[2:]
    if len(args) != 4:
        sys.exit(__doc__)
    cc, nm, lib, include_dir = args
    text, headers = header_text(cc, include_dir)
    declared = declared_symbols(text)
    exported = {name for name in exported_symbols(nm, lib)
                if not any(r.search(name) for r in ignore)}
    extra = sorted(exported - declared)
    missing = sorted(declared - exported)
    print("%d public headers declare %d functions and variables; %s exports %d" %
          (len(headers), len(declared), os.path.basename(lib), len(exported)))
    if extra:
        print("\nexported but declared in no public header (make them static, or "
              "declare them in include/cgrpc/*.h if they are meant to be public):")
        for name in extra:
            print("  " + name)
    if missing:
        print("\ndeclared in a public header but not exported (the header needs "
              "`#pragma GCC visibility push(default)` after its includes and "
              "`#pragma GCC visibility pop` at its end, or the function has no "
              "definition):")
        for name in missing:
            print("  " + name)
    if extra or missing:
        sys.exit(1)
    print("ok: the exported symbols are exactly the public API")


if __name__ == "__main__":
    main()
