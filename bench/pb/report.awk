# bench/pb/report.awk — the results table of the protobuf benchmark.
#
# Input: the "sample <codec> <decode|encode> <ns/op>" lines the benchmark
# executables print, one per timed batch, from all runs. Output: a markdown
# table with the median ns/op of each codec and operation, the spread (half
# the interquartile range, as a share of the median), and for each peer how
# many times faster cgrpc is (peer ns / cgrpc ns); then the project's goals
# against the fastest peer, and the dynamic-message codecs (cgrpc-dyn-*)
# against the generated ones. Codecs whose name starts with "cgrpc" are ours;
# cgrpc-copy carries the encode timing that cgrpc-alias shares (and
# cgrpc-dyn-copy the one cgrpc-dyn-alias shares).
# Plain POSIX awk (mawk is enough).

$1 == "sample" && NF == 4 {
  if (!($2 in seen)) { seen[$2] = 1; order[++ncodecs] = $2 }
  key = $2 SUBSEP $3
  count[key]++
  value[key, count[key]] = $4 + 0
}

function has(codec, op) { return (codec SUBSEP op) in count }

# Sorts the samples of one key in place (a few dozen values: insertion sort).
function sort_samples(key,    i, j, x) {
  for (i = 2; i <= count[key]; i++) {
    x = value[key, i]
    for (j = i - 1; j >= 1 && value[key, j] > x; j--) value[key, j + 1] = value[key, j]
    value[key, j + 1] = x
  }
}

# The q-quantile of sorted samples, interpolating between neighbours.
function quantile(key, q,    pos, lo) {
  pos = 1 + q * (count[key] - 1)
  lo = int(pos)
  if (lo >= count[key]) return value[key, count[key]]
  return value[key, lo] + (pos - lo) * (value[key, lo + 1] - value[key, lo])
}

function median(codec, op) { return quantile(codec SUBSEP op, 0.5) }

function cell(codec, op,    key, m) {
  if (!has(codec, op)) return "-"
  key = codec SUBSEP op
  m = median(codec, op)
  return sprintf("%.1f ±%.1f%%", m, 50 * (quantile(key, 0.75) - quantile(key, 0.25)) / m)
}

function ratio(codec, op, ref) {
  if (codec ~ /^cgrpc/ || !has(codec, op) || !has(ref, op)) return "-"
  return sprintf("%.2fx", median(codec, op) / median(ref, op))
}

function is_peer(codec) { return codec !~ /^cgrpc/ }

# The fastest peer for an operation, "" when no peer ran it.
function fastest_peer(op,    i, best) {
  best = ""
  for (i = 1; i <= ncodecs; i++) {
    if (is_peer(order[i]) && has(order[i], op) &&
        (best == "" || median(order[i], op) < median(best, op))) best = order[i]
  }
  return best
}

function goal(op, goal_x, ref,    peer, x) {
  peer = fastest_peer(op)
  if (peer == "" || !has(ref, op)) return
  x = median(peer, op) / median(ref, op)
  printf("- %s, goal >= %.1fx the fastest peer (%s, %.1f ns/op): %s is %.2fx, %s\n", op, goal_x,
         peer, median(peer, op), ref, x, x >= goal_x ? "met" : "NOT met")
}

# Dynamic messages (a run-time table) against the generated table, same decode.
function dynamic_goal(dyn, gen,    x) {
  if (!has(dyn, "decode") || !has(gen, "decode")) return
  x = median(dyn, "decode") / median(gen, "decode")
  printf("- dynamic decode, goal within 1.2x of the generated table: %s is %.2fx %s, %s\n", dyn,
         x, gen, x <= 1.2 ? "met" : "NOT met")
}

END {
  if (ncodecs == 0) { print "bench pb: no samples" > "/dev/stderr"; exit 1 }
  for (key in count) sort_samples(key)
  n = count[order[1] SUBSEP "decode"]
  printf("Median of %d batches per codec and operation (± half the interquartile range).\n\n", n)
  print "| implementation | decode ns/op | encode ns/op | decode: x vs cgrpc-copy | decode: x vs cgrpc-alias | encode: x vs cgrpc |"
  print "|---|---:|---:|---:|---:|---:|"
  for (i = 1; i <= ncodecs; i++) {
    c = order[i]
    printf("| %s | %s | %s | %s | %s | %s |\n", c, cell(c, "decode"), cell(c, "encode"),
           ratio(c, "decode", "cgrpc-copy"), ratio(c, "decode", "cgrpc-alias"),
           ratio(c, "encode", "cgrpc-copy"))
  }
  print ""
  if (!has("cgrpc-copy", "decode")) { print "cgrpc was not built: peers only, no ratios."; exit 0 }
  goal("decode", 2, "cgrpc-copy")
  goal("decode", 2, "cgrpc-alias")
  goal("encode", 1.5, "cgrpc-copy")
  dynamic_goal("cgrpc-dyn-copy", "cgrpc-copy")
  dynamic_goal("cgrpc-dyn-alias", "cgrpc-alias")
}
