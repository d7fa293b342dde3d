// Command-line flags in the interop style: --name=value (or --name value).
//
// The interop descriptions fix the flag names (--port, --server_port,
// --test_case, --use_tls ...), so both JS peers parse them the same way and
// reject anything unknown rather than silently ignoring a typo.
'use strict';

const path = require('path');

function die(message) {
  console.error(`${path.basename(process.argv[1])}: ${message}`);
  process.exit(2);
}

// Returns an object with every flag in `defaults`, overridden from argv.
// A default of null means the flag is required.
function parse(argv, defaults) {
  const values = Object.assign({}, defaults);
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z_]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!match || !(match[1] in defaults)) die(`unknown argument ${argv[i]}`);
    let value = match[2];
    if (value === undefined) {
      if (i + 1 >= argv.length) die(`--${match[1]} needs a value`);
      value = argv[++i];
    }
    values[match[1]] = value;
  }
  for (const [name, value] of Object.entries(values)) {
    if (value === null) die(`--${name} is required`);
  }
  return values;
}

function integer(values, name) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) die(`--${name} must be a non-negative integer`);
  return n;
}

function bool(values, name) {
  const v = String(values[name]).toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return die(`--${name} must be true or false`);
}

module.exports = { parse, integer, bool, die };
