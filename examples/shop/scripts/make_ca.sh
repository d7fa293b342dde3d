#!/usr/bin/env bash
# Makes the shop's keys in DIR: a local CA, a certificate per service and
# one for shop-cli (EC P-256, 30 days), and the token secret.
#
#   scripts/make_ca.sh DIR
#
#   ca.pem ca.key          the shop CA
#   <name>.pem <name>.key  for product user inventory payment order shop-cli:
#                          CN and DNS subjectAltName <name> (how services
#                          check each other), and for the services
#                          localhost and 127.0.0.1 too; serverAuth and
#                          clientAuth (a service is the client of another)
#   token.secret           32 random bytes: the HS256 key of the shop's tokens
set -euo pipefail
dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -subj "/O=shop/CN=shop local CA" -days 30 -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

leaf() { # name
  local name=$1 san="DNS:$1"
  [[ $name == shop-cli ]] || san="$san,DNS:localhost,IP:127.0.0.1"
  key "$name.key"
  openssl req -new -key "$name.key" -subj "/O=shop/CN=$name" -out "$name.csr"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' \
    "$san" >"$name.ext"
  # A random serial per certificate, so the six can be signed at once.
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$name.ext" -days 30 -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}
pids=()
for name in product user inventory payment order shop-cli; do
  leaf "$name" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
openssl rand 32 >token.secret
chmod 644 ./*.pem
