#!/bin/bash
# Certificates for the TLS cases, made with the openssl CLI: tls_certs.sh DIR writes into DIR
#   ca.crt/ca.key            the cluster's CA (what cert-manager's CA Issuer would hold)
#   server.crt/server.key    a peer certificate: *.mysql, *.mysql.db.svc, IP 127.0.0.1 (what the tls component issues)
#   client.crt/client.key    a client certificate from the same CA
#   wrongname.crt/.key       from the CA, but for *.other only
#   expired.crt/.key         from the CA, with the right names, valid only in 2020
#   other-ca.crt, rogue.crt/.key   another CA, and a certificate with the right names from it
#   server2.crt/.key         a second peer certificate (a rotation), serial 1002
# tls_certs.sh DIR peer: only ca.crt/.key and server.crt/.key (what the e2e's Secret mysql-tls needs).
set -euo pipefail
dir=${1:?usage: $0 DIR [peer]}
only=${2:-}
mkdir -p "$dir" && cd "$dir"
q() { "$@" >/dev/null 2>&1 || { echo "tls_certs: $* failed" >&2; "$@"; exit 1; }; }

ca() {  # ca NAME SUBJECT
    q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.crt" \
        -days 30 -subj "/CN=$2" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
# leaf NAME CA SAN [START END]: a certificate signed by CA; START/END (YYYYMMDDHHMMSSZ) through `openssl ca`.
leaf() {
    local name=$1 signer=$2 san=$3
    q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" -out "$name.csr" \
        -subj "/CN=$name"
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' "$san" >"$name.ext"
    if [ $# -ge 5 ]; then
        mkdir -p "ca-$signer"; : >"ca-$signer/index.txt"; echo 1000 >"ca-$signer/serial"
        cat >"ca-$signer.cnf" <<CNF
[ca]
default_ca = d
[d]
database = ca-$signer/index.txt
serial = ca-$signer/serial
new_certs_dir = ca-$signer
default_md = sha256
policy = p
copy_extensions = none
[p]
commonName = supplied
CNF
        q openssl ca -batch -config "ca-$signer.cnf" -cert "$signer.crt" -keyfile "$signer.key" -in "$name.csr" \
            -out "$name.crt" -startdate "$4" -enddate "$5" -extfile "$name.ext" -notext
    else
        q openssl x509 -req -in "$name.csr" -CA "$signer.crt" -CAkey "$signer.key" -CAcreateserial -days 7 \
            -extfile "$name.ext" -out "$name.crt"
    fi
    rm -f "$name.csr" "$name.ext"
}

ca ca "mysql-agent test CA"
leaf server ca "DNS:*.mysql,DNS:*.mysql.db.svc,IP:127.0.0.1"
if [ "$only" = peer ]; then chmod 644 ./*.crt; chmod 600 ./*.key; exit 0; fi
ca other-ca "another CA"
leaf server2 ca "DNS:*.mysql,DNS:*.mysql.db.svc,IP:127.0.0.1"
leaf client ca "DNS:mysql-1.mysql"
leaf wrongname ca "DNS:*.other"
leaf expired ca "DNS:*.mysql,IP:127.0.0.1" 20200101000000Z 20200102000000Z
leaf rogue other-ca "DNS:*.mysql,IP:127.0.0.1"
chmod 644 ./*.crt; chmod 600 ./*.key
