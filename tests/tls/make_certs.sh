#!/usr/bin/env bash
# Makes a throwaway test PKI with openssl, for the TLS tests and the
# interop matrix. Nothing it writes is checked in: the keys are made fresh
# on every run (EC P-256, so it takes well under a second).
#
# Usage: tests/tls/make_certs.sh DIR
#
#   ca.pem                 the test CA (ca.key signs the rest)
#   server.pem server.key  CN=localhost; DNS localhost, *.test.google.fr,
#                          foo.test.google.fr; IP 127.0.0.1, ::1
#   client.pem client.key  CN=cgrpc-test-client; DNS client.cgrpc.test;
#                          URI spiffe://cgrpc.test/ns/test/sa/client
#   expired.pem expired.key  like server.pem, valid only in 2020
#   other_ca.pem           an unrelated CA, and other_server.pem/.key and
#   other_client.pem/.key  certificates it signed (the "wrong CA" cases)
#   server2.pem server2.key  a second server certificate (rotation tests)
set -euo pipefail
dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # name subject
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "$2" -days 30 -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

leaf() { # name ca subject san extendedKeyUsage [extra x509 args...]
  local name=$1 issuer=$2 subj=$3 san=$4 eku=$5
  shift 5
  key "$name.key"
  openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$eku" "$san" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial \
    -extfile "$name.ext" -out "$name.pem" "$@" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

server_san="DNS:localhost,DNS:*.test.google.fr,DNS:foo.test.google.fr,IP:127.0.0.1,IP:::1"
client_san="DNS:client.cgrpc.test,URI:spiffe://cgrpc.test/ns/test/sa/client"

ca ca "/O=cgrpc test/CN=cgrpc test CA"
leaf server ca "/O=cgrpc test/CN=localhost" "$server_san" serverAuth -days 30
leaf server2 ca "/O=cgrpc test/CN=localhost rotated" "$server_san" serverAuth -days 30
leaf client ca "/O=cgrpc test/CN=cgrpc-test-client" "$client_san" clientAuth -days 30
ca other_ca "/O=somebody else/CN=unrelated CA"
leaf other_server other_ca "/O=somebody else/CN=localhost" "$server_san" serverAuth -days 30
leaf other_client other_ca "/O=somebody else/CN=intruder" "$client_san" clientAuth -days 30

# Expired: `openssl ca` takes explicit dates (x509 -req cannot go back).
mkdir -p expired_ca
: >expired_ca/index.txt
echo 01 >expired_ca/serial
cat >expired_ca/ca.cnf <<CNF
[ca]
default_ca = test
[test]
dir = expired_ca
database = expired_ca/index.txt
serial = expired_ca/serial
new_certs_dir = expired_ca
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = ext
[any]
commonName = supplied
organizationName = optional
[ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $server_san
CNF
key expired.key
openssl req -new -key expired.key -subj "/O=cgrpc test/CN=localhost" -out expired.csr
openssl ca -batch -config expired_ca/ca.cnf -startdate 20200101000000Z -enddate 20200201000000Z \
  -in expired.csr -out expired.pem -notext 2>/dev/null
rm -rf expired.csr expired_ca ./*.srl
chmod 644 ./*.pem
