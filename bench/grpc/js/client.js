// bench/grpc/js/client.js — the grpc-js peer client for the gRPC benchmark,
// with the modes and output of bench/grpc/bench_client.c (see there):
// verify, pingpong, throughput.
//
// Ping-pong awaits one call after the other; throughput keeps --inflight
// callback chains going on one client (one connection), each completion
// starting the next call.
//
// Usage: node client.js MODE --target=HOST:PORT [--seconds=2] [--warmup=0.5]
//                       [--inflight=128] [--payload=100]
'use strict';

const {grpc, bench, parseFlags} = require('./bench_proto');

// Byte i is (i * 31 + seed) mod 256, as in every client of the benchmark.
function payload(len, seed) {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function unary(client, req) {
  return new Promise((resolve, reject) => {
    client.Unary(req, (err, resp) => (err ? reject(err) : resolve(resp)));
  });
}

async function verifyUnary(client, len) {
  const want = payload(len, len);
  const resp = await unary(client, {payload: want});
  if (!want.equals(resp.payload)) throw new Error('Unary echoed a different payload');
}

// Messages echoed one by one, then a burst sent before reading any.
async function verifyStream(client) {
  const call = client.Stream();
  const status = new Promise((resolve) => call.on('status', resolve));
  const responses = call[Symbol.asyncIterator]();
  const next = async (len, what) => {
    const {value, done} = await responses.next();
    if (done || !payload(len, len).equals(value.payload)) throw new Error(what);
  };
  for (const len of [0, 1, 100, 1024, 100000]) {
    call.write({payload: payload(len, len)});
    await next(len, 'Stream did not echo a message sent alone');
  }
  const burst = [5, 6, 7, 1024, 2048];
  for (const len of burst) call.write({payload: payload(len, len)});
  call.end();
  for (const len of burst) await next(len, 'Stream did not echo a burst');
  if (!(await responses.next()).done) {
    throw new Error('Stream answered more messages than it was sent');
  }
  const st = await status;
  if (st.code !== grpc.status.OK) throw new Error(`Stream ended with ${st.code}: ${st.details}`);
}

async function runVerify(client) {
  for (const len of [100, 0, 100000]) await verifyUnary(client, len);
  await verifyStream(client);
  console.log('verify ok: 3 unary calls, 1 stream of 10 messages');
}

const now = () => process.hrtime.bigint();
const secondsSince = (t) => Number(now() - t) / 1e9;

// The q-quantile of sorted samples (ns): the value at index floor(q * n).
function quantileUs(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e3;
}

async function runPingpong(client, cfg) {
  const req = {payload: payload(cfg.payload, 0)};
  const samples = [];
  const start = now();
  let measuredFrom = 0n;
  for (;;) {
    const elapsed = secondsSince(start);
    if (!measuredFrom && elapsed >= cfg.warmup) measuredFrom = now();
    if (elapsed >= cfg.warmup + cfg.seconds) break;
    const t0 = now();
    const resp = await unary(client, req);
    const rtt = Number(now() - t0);
    if (!req.payload.equals(resp.payload)) throw new Error('Unary echoed a different payload');
    if (measuredFrom) samples.push(rtt);
  }
  if (!samples.length) throw new Error('no call completed in the measured time');
  const secs = secondsSince(measuredFrom);
  samples.sort((a, b) => a - b);
  console.log(`mode=pingpong calls=${samples.length} seconds=${secs.toFixed(3)} ` +
              `rate=${(samples.length / secs).toFixed(1)} ` +
              `p50_us=${quantileUs(samples, 0.5).toFixed(1)} ` +
              `p99_us=${quantileUs(samples, 0.99).toFixed(1)}`);
}

function runThroughput(client, cfg) {
  const req = {payload: payload(cfg.payload, 0)};
  let calls = 0, active = cfg.inflight, stop = false, failure = null;
  return new Promise((resolve, reject) => {
    let c0 = 0, t0 = 0n, c1 = 0, secs = 0, cpu0 = null, cpu = null;
    const finish = () => {
      if (failure) return reject(failure);
      if (c1 === c0) return reject(new Error('no call completed in the measured time'));
      console.log(`mode=throughput calls=${c1 - c0} seconds=${secs.toFixed(3)} ` +
                  `rate=${((c1 - c0) / secs).toFixed(1)} ` +
                  `cpu_us_per_call=${((cpu.user + cpu.system) / (c1 - c0)).toFixed(2)}`);
      resolve();
    };
    const one = () => {
      client.Unary(req, (err, resp) => {
        if (!err && !req.payload.equals(resp.payload)) {
          err = new Error('Unary echoed a different payload');
        }
        if (err) {
          failure = failure || err;
        } else {
          calls++;
        }
        if (stop || err) {
          if (--active === 0) finish();
          return;
        }
        one();
      });
    };
    for (let i = 0; i < cfg.inflight; i++) one();
    setTimeout(() => {
      c0 = calls;
      t0 = now();
      cpu0 = process.cpuUsage();
      setTimeout(() => {
        c1 = calls;
        secs = secondsSince(t0);
        cpu = process.cpuUsage(cpu0);
        stop = true;
      }, cfg.seconds * 1000);
    }, cfg.warmup * 1000);
  });
}

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  const cfg = {
    mode: flags._[0],
    target: flags.target,
    seconds: Number(flags.seconds || 2),
    warmup: Number(flags.warmup || 0.5),
    inflight: Number(flags.inflight || 128),
    payload: Number(flags.payload || 100),
  };
  const modes = {verify: runVerify, pingpong: runPingpong, throughput: runThroughput};
  if (!modes[cfg.mode] || !cfg.target || flags._.length !== 1 || !(cfg.seconds > 0) ||
      !(cfg.warmup >= 0) || !(cfg.inflight > 0) || !(cfg.payload >= 0)) {
    console.error('usage: node client.js verify|pingpong|throughput --target=HOST:PORT ' +
                  '[--seconds=2] [--warmup=0.5] [--inflight=128] [--payload=100]');
    process.exit(2);
  }
  const client = new bench.Bench(cfg.target, grpc.credentials.createInsecure());
  try {
    await modes[cfg.mode](client, cfg);
  } catch (err) {
    console.error(`bench_client_js: ${err.message}`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

main();
