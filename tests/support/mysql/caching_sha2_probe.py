#!/usr/bin/env python3
"""Walk the caching_sha2_password exchange by hand against a real server (standard library only) and print every
auth packet, to check NOTES.md's wire description: nonce, fast-auth scramble, 0x01 0x03 / 0x01 0x04, public-key
request 0x02, RSA-OAEP(SHA-1) of (password + NUL) XOR nonce, or the clear password over a unix socket.
No TLS here (the stdlib could do it, but the point is the RSA path).

  caching_sha2_probe.py (--tcp HOST:PORT | --socket PATH) --user U [--password P] [--reverse-order]

--reverse-order sends SHA256(nonce || stage2) instead of SHA256(stage2 || nonce) in the scramble, which the server
must reject for fast auth (it then asks for full authentication). Exit 0 when the server finally sends OK.
"""
import argparse
import base64
import hashlib
import os
import socket
import struct
import sys

CLIENT_LONG_PASSWORD = 0x1
CLIENT_PROTOCOL_41 = 0x200
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 0x200000


class Conn:
    def __init__(self, sock):
        self.s, self.seq = sock, 0

    def _read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("server closed the connection")
            buf += chunk
        return buf

    def read(self):
        head = self._read_exact(4)
        length = head[0] | head[1] << 8 | head[2] << 16
        self.seq = (head[3] + 1) & 0xFF
        return self._read_exact(length)

    def write(self, payload):
        self.s.sendall(struct.pack("<I", len(payload))[:3] + bytes([self.seq]) + payload)
        self.seq = (self.seq + 1) & 0xFF


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def fast_scramble(password, nonce, reverse=False):
    """XOR(SHA256(pw), SHA256(SHA256(SHA256(pw)) || nonce)) -- or with the nonce first when reverse."""
    stage1 = sha256(password)
    stage2 = sha256(stage1)
    mix = sha256(nonce, stage2) if reverse else sha256(stage2, nonce)
    return bytes(a ^ b for a, b in zip(stage1, mix))


# --- RSA public key from PEM (SubjectPublicKeyInfo), and RSAES-OAEP with SHA-1/MGF1-SHA-1, empty label ---------
def _der(buf, pos):
    tag, length = buf[pos], buf[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    return tag, buf[pos:pos + length], pos + length


def rsa_public_key(pem):
    der = base64.b64decode(b"".join(l for l in pem.strip().splitlines() if not l.startswith(b"-----")))
    _, spki, _ = _der(der, 0)                 # SEQUENCE SubjectPublicKeyInfo
    _, _, pos = _der(spki, 0)                 # SEQUENCE AlgorithmIdentifier (rsaEncryption)
    _, bits, _ = _der(spki, pos)              # BIT STRING
    _, rsakey, _ = _der(bits[1:], 0)          # SEQUENCE RSAPublicKey (skip the unused-bits byte)
    _, n, pos = _der(rsakey, 0)
    _, e, _ = _der(rsakey, pos)
    return int.from_bytes(n, "big"), int.from_bytes(e, "big")


def _mgf1(seed, length):
    out, counter = b"", 0
    while len(out) < length:
        out += hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def rsa_oaep_encrypt(n, e, message):
    k = (n.bit_length() + 7) // 8
    hlen = 20
    if len(message) > k - 2 * hlen - 2:
        raise ValueError("message too long for RSA-OAEP")
    db = hashlib.sha1(b"").digest() + b"\0" * (k - len(message) - 2 * hlen - 2) + b"\1" + message
    seed = os.urandom(hlen)
    masked_db = bytes(a ^ b for a, b in zip(db, _mgf1(seed, k - hlen - 1)))
    masked_seed = bytes(a ^ b for a, b in zip(seed, _mgf1(masked_db, hlen)))
    em = int.from_bytes(b"\0" + masked_seed + masked_db, "big")
    return pow(em, e, n).to_bytes(k, "big")


# --- the exchange -------------------------------------------------------------------------------------------------
def parse_handshake(pkt):
    assert pkt[0] == 10, "not a HandshakeV10"
    pos = pkt.index(b"\0", 1) + 1
    version = pkt[1:pos - 1].decode()
    pos += 4                                             # connection id
    part1 = pkt[pos:pos + 8]
    pos += 8 + 1                                         # filler
    caps = struct.unpack_from("<H", pkt, pos)[0]
    pos += 2 + 1 + 2                                     # charset, status
    caps |= struct.unpack_from("<H", pkt, pos)[0] << 16
    pos += 2
    data_len = pkt[pos]
    pos += 1 + 10                                        # reserved
    part2_len = max(13, data_len - 8)
    part2 = pkt[pos:pos + part2_len]
    pos += part2_len
    plugin = pkt[pos:pkt.index(b"\0", pos)].decode()
    return version, caps, part1 + part2[:12], data_len, plugin


def show(label, data):
    text = data[:60].hex(" ") + (" ..." if len(data) > 60 else "")
    print("%-30s %4d bytes: %s" % (label, len(data), text))


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--tcp")
    g.add_argument("--socket")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", default="")
    ap.add_argument("--reverse-order", action="store_true")
    args = ap.parse_args()
    if args.tcp:
        host, port = args.tcp.rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    else:
        s = socket.socket(socket.AF_UNIX)
        s.connect(args.socket)
    c = Conn(s)
    password = args.password.encode()

    version, caps, nonce, data_len, plugin = parse_handshake(c.read())
    print("server %s, handshake plugin %s, auth-plugin-data-len %d" % (version, plugin, data_len))
    show("S->C nonce", nonce)
    if plugin != "caching_sha2_password":
        sys.exit("the server did not offer caching_sha2_password in its handshake")

    response = fast_scramble(password, nonce, args.reverse_order) if password else b""
    flags = (CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH
             | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)
    hello = struct.pack("<IIB23x", flags, 1 << 24, 45) + args.user.encode() + b"\0"
    hello += bytes([len(response)]) + response + b"caching_sha2_password\0"
    show("C->S scramble (in response)", response)
    c.write(hello)

    while True:
        pkt = c.read()
        if pkt[0] == 0x00:
            show("S->C OK", pkt)
            return 0
        if pkt[0] == 0xFF:
            code = struct.unpack_from("<H", pkt, 1)[0]
            print("S->C ERR %d: %s" % (code, pkt[9:].decode(errors="replace")))
            return 1
        if pkt[0] == 0xFE:
            show("S->C auth switch", pkt)
            return 1
        assert pkt[0] == 0x01, "unexpected packet"
        if pkt == b"\x01\x03":
            show("S->C fast auth success", pkt)
        elif pkt == b"\x01\x04":
            show("S->C perform full auth", pkt)
            if args.socket:
                show("C->S clear password+NUL", password + b"\0")
                c.write(password + b"\0")
            else:
                show("C->S request public key", b"\x02")
                c.write(b"\x02")
        elif pkt.startswith(b"\x01-----BEGIN PUBLIC KEY-----"):
            show("S->C 0x01 + PEM public key", pkt)
            n, e = rsa_public_key(pkt[1:])
            plain = bytes(b ^ nonce[i % len(nonce)] for i, b in enumerate(password + b"\0"))
            cipher = rsa_oaep_encrypt(n, e, plain)
            show("C->S RSA-OAEP((pw+NUL)^nonce)", cipher)
            c.write(cipher)
        else:
            show("S->C unexpected", pkt)
            return 1


if __name__ == "__main__":
    sys.exit(main())
