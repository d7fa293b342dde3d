#!/usr/bin/env bash
# coverage.sh — line and branch coverage of src/, per layer, from a build
# made with -DCGRPC_COVERAGE=ON whose tests have run (make coverage does
# both). Usage: scripts/coverage.sh BUILD_DIR
#
# Prints a table (lines and branches, hit/total and percent, for each layer
# under src/ and in total) and writes BUILD_DIR/coverage/src.info and an HTML
# report in BUILD_DIR/coverage/html/. Only the library's own sources count:
# tests, generated code, the compiler and system headers are left out.
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
out="$build/coverage"
mkdir -p "$out"
command -v lcov >/dev/null || { echo "coverage: lcov is missing (scripts/install-deps.sh test)" >&2; exit 1; }
if ! find "$build" -name '*.gcda' -print -quit | grep -q .; then
  echo "coverage: no .gcda files in $build: configure with -DCGRPC_COVERAGE=ON and run the tests" >&2
  exit 1
fi

rc=(--rc lcov_branch_coverage=1)
lcov "${rc[@]}" --quiet --capture --directory "$build" --base-directory "$root" \
  --output-file "$out/all.info" 2>"$out/lcov.log" || { cat "$out/lcov.log" >&2; exit 1; }
lcov "${rc[@]}" --quiet --extract "$out/all.info" "$root/src/*" --output-file "$out/src.info" \
  2>>"$out/lcov.log" || { cat "$out/lcov.log" >&2; exit 1; }
genhtml "${rc[@]}" --quiet --legend --title "cgrpc src/" --prefix "$root" \
  --output-directory "$out/html" "$out/src.info" >>"$out/lcov.log" 2>&1 ||
  echo "coverage: genhtml failed, see $out/lcov.log" >&2

# Per layer, from the tracefile: LH/LF lines hit/found, BRH/BRF branches.
awk -v src="$root/src/" '
  /^SF:/ { file = substr($0, 4); layer = "?";
           if (index(file, src) == 1) { rest = substr(file, length(src) + 1);
                                        layer = substr(rest, 1, index(rest, "/") - 1) }
           if (!(layer in seen)) { seen[layer] = 1; order[++n] = layer } }
  /^LH:/ { lh[layer] += substr($0, 4) }  /^LF:/ { lf[layer] += substr($0, 4) }
  /^BRH:/ { bh[layer] += substr($0, 5) } /^BRF:/ { bf[layer] += substr($0, 5) }
  function pct(h, t) { return t ? sprintf("%5.1f%%", 100 * h / t) : "    -" }
  function row(name, a, b, c, d) {
    printf "%-8s %7d/%-7d %s   %7d/%-7d %s\n", name, a, b, pct(a, b), c, d, pct(c, d) }
  END {
    printf "%-8s %-22s   %-22s\n", "src/", "lines", "branches"
    # The layers bottom-up, as they are built; any other folder after them.
    split("base pb io h2 rpc", known, " ")
    for (i = 1; i <= 5; i++) if (known[i] in seen) { l = known[i]; done[l] = 1
      row(l, lh[l], lf[l], bh[l], bf[l]) }
    for (i = 1; i <= n; i++) if (!(order[i] in done)) { l = order[i]
      row(l, lh[l], lf[l], bh[l], bf[l]) }
    for (l in seen) { LH += lh[l]; LF += lf[l]; BH += bh[l]; BF += bf[l] }
    row("total", LH, LF, BH, BF)
  }' "$out/src.info"
echo "HTML report: $out/html/index.html"
