#!/usr/bin/python3
"""Hostile peers and fake donors for the fault suite (tests/faults/fault_suite.sh).

  hostile.py request HOST PORT MODE [TOKEN]   one hostile request against a sidecar; prints what came back
  hostile.py flood HOST PORT N TOKEN HOLD_S   N concurrent connections (half idle, half GET /backup with the
                                              token, none reading the body), held HOLD_S seconds; prints counts
  hostile.py slow HOST PORT TOKEN HOLD_S      GET /backup, read the head, then read nothing for HOLD_S seconds
  hostile.py donor PORT_FILE MODE [RAW_FILE]  a fake donor serving one clone request (MODE: garbage-http,
                                              garbage-body, longer); writes its port to PORT_FILE
"""
import os
import random
import socket
import sys
import time


def connect(host, port):
    s = socket.create_connection((host, int(port)), timeout=10)
    return s


def read_some(s, limit=65536, timeout=10.0):
    s.settimeout(timeout)
    data = b""
    try:
        while len(data) < limit:
            b = s.recv(limit - len(data))
            if not b:
                break
            data += b
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def status_of(data):
    first = data.split(b"\r\n", 1)[0].decode("latin1", "replace")
    return first if first else "<closed without an answer>"


def request(host, port, mode, token=""):
    s = connect(host, port)
    if mode == "no-token":
        s.sendall(b"GET /backup HTTP/1.1\r\nHost: x\r\n\r\n")
    elif mode == "wrong-token":
        s.sendall(b"GET /backup HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() + b"\r\n\r\n")
    elif mode == "huge-header":
        s.sendall(b"GET /backup HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
    elif mode == "many-headers":
        s.sendall(b"GET /backup HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(20000)) + b"\r\n")
    elif mode == "garbage":
        rng = random.Random(7)
        s.sendall(bytes(rng.getrandbits(8) for _ in range(64 * 1024)))
    elif mode == "http09":
        s.sendall(b"GET /backup\r\n\r\n")
    elif mode == "huge-uri":
        s.sendall(b"GET /" + b"b" * (1 << 20) + b" HTTP/1.1\r\n\r\n")
    elif mode == "bad-chunked-request":
        s.sendall(b"GET /backup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzzzz\r\n")
    else:
        raise SystemExit("unknown mode " + mode)
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    print(status_of(read_some(s, 4096)))


def flood(host, port, n, token, hold):
    socks = []
    refused = 0
    for i in range(int(n)):
        try:
            s = connect(host, port)
        except OSError:
            refused += 1
            continue
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        if i % 2 == 1:
            s.sendall(b"GET /backup HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() + b"\r\n\r\n")
        socks.append(s)
    print("opened %d refused %d" % (len(socks), refused), flush=True)
    time.sleep(float(hold))
    answers = {}
    for s in socks:
        s.setblocking(False)
        try:
            first = s.recv(64)
        except BlockingIOError:
            first = b""
        except OSError:
            first = b"<reset>"
        key = status_of(first) if first else "<nothing yet>"
        answers[key] = answers.get(key, 0) + 1
        s.close()
    print(" ".join("%s=%d" % (k.replace(" ", "_"), v) for k, v in sorted(answers.items())))


def slow(host, port, token, hold):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, int(port)))
    s.sendall(b"GET /backup HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() + b"\r\n\r\n")
    print(status_of(s.recv(200)), flush=True)
    time.sleep(float(hold))  # read nothing more
    s.close()


def donor(port_file, mode, raw_file=None):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    srv.settimeout(120)
    while True:
        try:
            c, _ = srv.accept()
        except socket.timeout:
            return
        c.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head:
            b = c.recv(4096)
            if not b:
                break
            head += b
        rng = random.Random(11)
        try:
            if mode == "garbage-http":
                c.sendall(bytes(rng.getrandbits(8) for _ in range(256 * 1024)))
            elif mode == "garbage-body":
                body = bytes(rng.getrandbits(8) for _ in range(2 << 20))
                c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Backup-Status, X-Backup-Bytes, "
                          b"X-Backup-Digest, X-Backup-Exit-Code, X-Backup-Error\r\n\r\n")
                for off in range(0, len(body), 65536):
                    part = body[off:off + 65536]
                    c.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
                c.sendall(b"0\r\nX-Backup-Status: ok\r\nX-Backup-Bytes: %d\r\nX-Backup-Digest: xxh3-64:0123456789abcdef\r\n"
                          b"X-Backup-Exit-Code: 0\r\n\r\n" % len(body))
            elif mode in ("longer", "longer-xbstream"):
                # A real sidecar's raw response (head, chunked body, trailers). One more chunk goes in before the
                # last chunk: the trailers still vouch for the original byte count and digest.
                raw = open(raw_file, "rb").read()
                cut = raw.rfind(b"\r\n0\r\n") + 2
                if mode == "longer":
                    extra = bytes(rng.getrandbits(8) for _ in range(100000))
                else:  # a well-framed extra xbstream file: only the byte count and digest betray it
                    name = b"extra/sneaked.ibd"
                    data = b"z" * 1000
                    import zlib
                    extra = (b"XBSTCK01\x00P" + len(name).to_bytes(4, "little") + name + len(data).to_bytes(8, "little")
                             + (0).to_bytes(8, "little") + zlib.crc32(data).to_bytes(4, "little") + data
                             + b"XBSTCK01\x00E" + len(name).to_bytes(4, "little") + name)
                c.sendall(raw[:cut] + b"%x\r\n" % len(extra) + extra + b"\r\n" + raw[cut:])
        except OSError:
            pass
        time.sleep(0.5)
        c.close()


def main():
    cmd = sys.argv[1]
    if cmd == "request":
        request(*sys.argv[2:])
    elif cmd == "flood":
        flood(*sys.argv[2:])
    elif cmd == "slow":
        slow(*sys.argv[2:])
    elif cmd == "donor":
        donor(*sys.argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
