#!/usr/bin/env bash
# code_lines.sh MAX FILE: fails when FILE (C) has more than MAX lines of
# code, counting as cloc does: blank lines and comments do not count, every
# other line does (includes and lone braces too). The helloworld example is
# a promise about how short a cgrpc program is; this keeps it.
set -euo pipefail
max=$1 file=$2
n=$(sed -e 's://.*$::' "$file" |
  awk '
    { line = $0; out = "" }
    {
      while (length(line) > 0) {
        if (in_comment) {
          i = index(line, "*/")
          if (i == 0) { line = ""; break }
          line = substr(line, i + 2); in_comment = 0
        } else {
          i = index(line, "/*")
          if (i == 0) { out = out line; line = ""; break }
          out = out substr(line, 1, i - 1); line = substr(line, i + 2); in_comment = 1
        }
      }
      if (out ~ /[^ \t]/) count++
    }
    END { print count + 0 }')
if ((n > max)); then
  echo "FAIL: $file has $n lines of code, more than $max"
  exit 1
fi
echo "ok: $file has $n lines of code (at most $max)"
