#!/usr/bin/env python3
"""Compute MySQL's caching_sha2_password authentication string (the mysql.user.authentication_string value) for a
password, standard library only (hashlib), so tests can create accounts with
`CREATE USER ... IDENTIFIED WITH caching_sha2_password AS 0x<hex>` and never send the clear text to the server.

Format (CRYPT5 storage format, the default one):   $A$RRR$<salt:20 bytes><digest:43 chars>   (70 bytes)
  A       SHA-256
  RRR     rounds / 1000 as 3 upper-case HEX digits (5000 -> "005", 10000 -> "00A"; MySQL 9.7's default is 10000)
  salt    20 bytes, each 0x01..0x7f except '$' (MySQL generates them so: random & 0x7f, NUL and '$' bumped by one)
  digest  SHA-256-crypt (Drepper's SHA-crypt, "$5$") of the password with that salt and that many rounds, taking
          the whole 20-byte salt (glibc's crypt() stops at 16), encoded in crypt's base64 ("./0-9A-Za-z",
          little-endian 6-bit groups, crypt's byte permutation).

Usage:
  sha2_auth_string.py [--salt-hex HEX20 | --salt TEXT20] [--rounds N] [PASSWORD]
        prints the auth string as a hex literal (0x2441...) usable after AS; --raw prints the raw string instead.
        Without PASSWORD the password is read from stdin (one line, newline stripped).
        An empty password gives the empty auth string ('' / 0x): MySQL stores nothing for it, and an account
        whose string is a hash of "" would refuse the empty password (the client then sends an empty response).
  sha2_auth_string.py --check STORED_HEX [PASSWORD]
        recomputes with the salt and rounds of a stored value (SELECT HEX(authentication_string) ...) and exits 0
        if it is the same string, 1 if not.
"""
import argparse
import hashlib
import os
import sys

SALT_LENGTH = 20
ITERATION_MULTIPLIER = 1000
DEFAULT_ROUNDS = 5000
B64 = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# crypt's output permutation for SHA-256: 10 groups of 3 digest bytes (4 chars each), then 2 bytes (3 chars).
GROUPS = [(0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14),
          (15, 25, 5), (6, 16, 26), (27, 7, 17), (18, 28, 8), (9, 19, 29)]


def _sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def _repeat_to(digest, length):
    """The digest repeated and cut to length bytes (SHA-crypt steps 16 and 20)."""
    return (digest * (length // len(digest) + 1))[:length]


def _b64_24(b2, b1, b0, n):
    w = (b2 << 16) | (b1 << 8) | b0
    out = bytearray()
    for _ in range(n):
        out.append(B64[w & 0x3F])
        w >>= 6
    return bytes(out)


def sha256_crypt_digest(password, salt, rounds):
    """The 43 characters after the last '$' of SHA-256-crypt(password, salt, rounds), salt used in full."""
    plen = len(password)
    b = _sha(password, salt, password)                      # steps 4-8: digest B
    a = hashlib.sha256(password + salt)                     # steps 1-3: digest A begins
    n = plen
    while n > 32:                                           # steps 9-10: B for each 32 bytes of password
        a.update(b)
        n -= 32
    a.update(b[:n])
    i = plen
    while i > 0:                                            # step 11: bits of the password length
        a.update(b if i & 1 else password)
        i >>= 1
    a = a.digest()                                          # step 12
    p = _repeat_to(_sha(password * plen), plen)             # steps 13-16: P
    s = _repeat_to(_sha(salt * (16 + a[0])), len(salt))     # steps 17-20: S
    c = a
    for i in range(rounds):                                 # step 21
        h = hashlib.sha256(p if i & 1 else c)
        if i % 3:
            h.update(s)
        if i % 7:
            h.update(p)
        h.update(c if i & 1 else p)
        c = h.digest()
    out = b"".join(_b64_24(c[x], c[y], c[z], 4) for x, y, z in GROUPS)   # step 22
    return out + _b64_24(0, c[31], c[30], 3)


def random_salt():
    """A salt as MySQL makes one: 20 random 7-bit bytes, NUL and '$' bumped by one."""
    salt = bytearray(b & 0x7F for b in os.urandom(SALT_LENGTH))
    return bytes(x + 1 if x in (0, 0x24) else x for x in salt)


def check_salt(salt):
    if len(salt) != SALT_LENGTH:
        raise ValueError("the salt must be %d bytes, not %d" % (SALT_LENGTH, len(salt)))
    bad = [x for x in salt if x == 0 or x == 0x24 or x > 0x7F]
    if bad:
        raise ValueError("salt bytes must be 0x01..0x7f and not '$' (MySQL stops the salt at '$' or NUL)")


def auth_string(password, salt, rounds=DEFAULT_ROUNDS):
    """The raw authentication_string bytes: $A$RRR$ + salt + digest."""
    check_salt(salt)
    if rounds % ITERATION_MULTIPLIER or not 1 <= rounds // ITERATION_MULTIPLIER <= 0xFFF:
        raise ValueError("rounds must be a multiple of 1000 between 1000 and 4095000")
    head = b"$A$%03X$" % (rounds // ITERATION_MULTIPLIER)
    return head + salt + sha256_crypt_digest(password, salt, rounds)


def auth_string_for(password, salt, rounds=DEFAULT_ROUNDS):
    """What CREATE USER ... IDENTIFIED BY stores: nothing for an empty password, else auth_string()."""
    return auth_string(password, salt, rounds) if password else b""


def parse_stored(stored):
    """(salt, rounds) of a stored $A$RRR$... string."""
    if len(stored) != 7 + SALT_LENGTH + 43 or stored[:3] != b"$A$" or stored[6:7] != b"$":
        raise ValueError("not a CRYPT5 caching_sha2_password string ($A$RRR$ + 20 + 43 bytes)")
    return stored[7:7 + SALT_LENGTH], int(stored[3:6], 16) * ITERATION_MULTIPLIER


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("password", nargs="?", help="the password (default: one line from stdin)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--salt-hex", help="the 20-byte salt as 40 hex digits")
    g.add_argument("--salt", help="the 20-byte salt as text")
    g.add_argument("--check", metavar="STORED_HEX", help="compare with HEX(authentication_string)")
    ap.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="SHA-crypt rounds (default 5000)")
    ap.add_argument("--raw", action="store_true", help="print the raw string, not a 0x hex literal")
    args = ap.parse_args()
    password = args.password
    if password is None:
        password = sys.stdin.readline().rstrip("\n")
    password = password.encode("utf-8")

    if args.check is not None:
        stored = bytes.fromhex(args.check[2:] if args.check.lower().startswith("0x") else args.check)
        if stored:
            salt, rounds = parse_stored(stored)
            same = auth_string_for(password, salt, rounds) == stored
        else:
            same = not password
        print("match" if same else "MISMATCH")
        return 0 if same else 1

    if args.salt_hex:
        salt = bytes.fromhex(args.salt_hex)
    elif args.salt:
        salt = args.salt.encode("latin-1")
    else:
        salt = random_salt()
    value = auth_string_for(password, salt, args.rounds)
    if args.raw:
        sys.stdout.buffer.write(value + b"\n")
    else:
        print("0x" + value.hex().upper() if value else "''")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ValueError as e:
        print("sha2_auth_string.py: %s" % e, file=sys.stderr)
        sys.exit(2)
