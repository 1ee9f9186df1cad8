#!/usr/bin/python3
"""Hostile peers and fake donors for the fault suite (tests/faults/fault_suite.sh).

  hostile.py request HOST PORT MODE [TOKEN]   one hostile request against a sidecar; prints what came back
  hostile.py flood HOST PORT N TOKEN HOLD_S   N concurrent connections (half idle, half GET /backup with the
                                              token, none reading the body), held HOLD_S seconds; prints counts
  hostile.py slow HOST PORT TOKEN HOLD_S      GET /backup, read the head, then read nothing for HOLD_S seconds
  hostile.py tls-flood HOST PORT HEADERS CONNECTS HELLOS HOLD_S READY_FILE
                                              HEADERS connections that send one TLS record header (a handshake
                                              record of 512 bytes announced, none sent), CONNECTS that send
                                              nothing, HELLOS that send a whole ClientHello and nothing more; all
                                              opened before READY_FILE is written, held HOLD_S seconds from then;
                                              prints how many the sidecar closed
  hostile.py donor PORT_FILE MODE [RAW_FILE]  a fake donor serving clone requests (MODE: garbage-http,
                                              garbage-body, longer, longer-xbstream, chunk-ext-flood,
                                              trailer-flood, estimated-size-max, zstd-damaged, zstd-window);
                                              writes its port to PORT_FILE
  hostile.py silent PORT_FILE HOLD_S          accepts connections and never answers, for HOLD_S seconds

Floods (request and donor MODE chunk-ext-flood, trailer-flood, content-length-flood) send FLOOD_MIB (300) MiB
at most, trailer floods TRAILER_FLOOD_MIB (128: twice the suite's memory limit; a parser that buffers them reads
them slowly, in ever-growing buffers), and stop early when the peer closes or stops reading for 10 s.
"""
import os
import random
import re
import socket
import subprocess
import sys
import time

FLOOD_BYTES = int(os.environ.get("FLOOD_MIB", "300")) << 20
TRAILER_FLOOD_BYTES = int(os.environ.get("TRAILER_FLOOD_MIB", "128")) << 20
PIECE = 1 << 20


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
    if mode in ("chunk-ext-flood", "trailer-flood", "content-length-flood"):
        return request_flood(s, mode)
    if mode == "no-token":
        payload = b"GET /backup HTTP/1.1\r\nHost: x\r\n\r\n"
    elif mode == "wrong-token":
        payload = b"GET /backup HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() + b"\r\n\r\n"
    elif mode == "huge-header":
        payload = b"GET /backup HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    elif mode == "many-headers":
        payload = b"GET /backup HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(20000)) + b"\r\n"
    elif mode == "garbage":
        rng = random.Random(7)
        payload = bytes(rng.getrandbits(8) for _ in range(64 * 1024))
    elif mode == "http09":
        payload = b"GET /backup\r\n\r\n"
    elif mode == "huge-uri":
        payload = b"GET /" + b"b" * (1 << 20) + b" HTTP/1.1\r\n\r\n"
    elif mode == "bad-chunked-request":
        payload = b"GET /backup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzzzz\r\n"
    else:
        raise SystemExit("unknown mode " + mode)
    try:
        s.sendall(payload)
    except OSError:
        pass  # the sidecar answered and closed before the whole request was sent: its answer is what counts
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    print(status_of(read_some(s, 4096)))


def send_flood(s, prefix, filler, total, suffix=b""):
    """Sends prefix, then filler repeated up to `total` bytes, then suffix; stops when the peer closes or stalls.
    Returns (bytes sent, why it stopped)."""
    s.settimeout(10)
    sent = 0
    try:
        s.sendall(prefix)
        piece = (filler * (PIECE // len(filler) + 1))[:PIECE]
        while sent < total:
            n = min(PIECE, total - sent)
            s.sendall(piece[:n])
            sent += n
        s.sendall(suffix)
        return sent, "all sent"
    except socket.timeout:
        return sent, "the peer stopped reading"
    except OSError as e:
        return sent, "the peer closed (%s)" % e.strerror


def request_flood(s, mode):
    """A request without a token whose body or framing never ends: what comes back, how fast, after how much."""
    start = time.time()
    if mode == "chunk-ext-flood":
        sent, why = send_flood(s, b"GET /backup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;", b"a",
                               FLOOD_BYTES, b"\r\nx\r\n0\r\n\r\n")
    elif mode == "trailer-flood":
        sent, why = send_flood(s, b"GET /backup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
                               b"X-a: b\r\n", TRAILER_FLOOD_BYTES)
    else:
        sent, why = send_flood(s, b"GET /backup HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n", b"c",
                               FLOOD_BYTES)
    answer = status_of(read_some(s, 4096, timeout=5))
    print("%s | after %.1f s, %d MiB sent, %s" % (answer, time.time() - start, sent >> 20, why))


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


def client_hello():
    """A real TLS 1.3 ClientHello (Python's ssl through memory BIOs), the same bytes for every connection."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="mysql-0.mysql")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def tls_flood(host, port, headers, connects, hellos, hold, ready_file):
    import resource
    want = int(headers) + int(connects) + int(hellos) + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    hello = client_hello()
    kinds = [("header", b"\x16\x03\x01\x02\x00")] * int(headers) + [("connect", b"")] * int(connects) + \
        [("hello", hello)] * int(hellos)
    random.Random(5).shuffle(kinds)
    socks, refused = [], 0
    for kind, first in kinds:
        try:
            s = socket.create_connection((host, int(port)), timeout=10)
            if first:
                s.sendall(first)
        except OSError:
            refused += 1
            continue
        socks.append((kind, s))
    print("opened %d (%s headers, %s connect-only, %s ClientHellos), refused %d"
          % (len(socks), headers, connects, hellos, refused), flush=True)
    with open(ready_file + ".tmp", "w") as f:
        f.write("%d\n" % len(socks))
    os.rename(ready_file + ".tmp", ready_file)
    time.sleep(float(hold))
    fates = {}
    for kind, s in socks:
        s.setblocking(False)
        try:
            got = s.recv(65536)
            fate = "closed" if not got else "answered"
            if got:  # what it answered (a server flight, a 503), then whether it closed
                try:
                    while s.recv(65536):
                        pass
                    fate = "answered-closed"
                except BlockingIOError:
                    pass
        except BlockingIOError:
            fate = "open"
        except OSError:
            fate = "reset"
        fates[(kind, fate)] = fates.get((kind, fate), 0) + 1
        s.close()
    print("after %s s: %s" % (hold, " ".join("%s:%s=%d" % (k, f, n) for (k, f), n in sorted(fates.items()))))


DONOR_HEAD = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Backup-Status, X-Backup-Bytes, "
              b"X-Backup-Digest, X-Backup-Exit-Code, X-Backup-Error\r\n\r\n")


def dechunk(raw):
    """A raw sidecar response: (head without the blank line, body, trailer section with its blank line)."""
    head_end = raw.index(b"\r\n\r\n")
    pos = head_end + 4
    body = []
    while True:
        eol = raw.index(b"\r\n", pos)
        n = int(raw[pos:eol].split(b";")[0], 16)
        pos = eol + 2
        if n == 0:
            return raw[:head_end], b"".join(body), raw[pos:]
        body.append(raw[pos:pos + n])
        pos += n + 2


def estimated_size_max(c, head, body, trailers):
    """A real backup (dechunk()ed) announced as 2^64-1 bytes, trickled so that a progress line (every 5 s) falls
    while only two bytes have arrived: the ETA a naive rate gives overflows every integer type."""
    head = re.sub(rb"(?im)^X-Backup-Estimated-Size:[^\r\n]*", b"X-Backup-Estimated-Size: 18446744073709551615", head)
    c.sendall(head + b"\r\n\r\n" + b"1\r\n" + body[:1] + b"\r\n")
    time.sleep(5.5)
    c.sendall(b"1\r\n" + body[1:2] + b"\r\n")
    time.sleep(0.5)
    for off in range(2, len(body), 65536):
        part = body[off:off + 65536]
        c.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
    c.sendall(b"0\r\n" + trailers)


def zstd_body(raw, mode):
    """A real backup's body (dechunk()ed) as a zstd frame, made by the zstd command: with a byte in the middle
    damaged (zstd-damaged), or declaring a 128 MiB window, which no --compress level needs (zstd-window)."""
    body = dechunk(raw)[1]
    args = ["zstd", "-q", "-c", "-1"] + (["--long=27"] if mode == "zstd-window" else [])
    out = bytearray(subprocess.run(args, input=body, stdout=subprocess.PIPE, check=True).stdout)
    if mode == "zstd-damaged":
        out[len(out) // 2] ^= 0x20
    return bytes(out), len(body)


def send_zstd(c, frame, raw_bytes):
    """A compressing sidecar's response around `frame`; its trailer vouches for the frame's length (the digest is
    made up: the damage must be caught before the trailer is looked at)."""
    c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: zstd\r\nTrailer: X-Backup-Status, "
              b"X-Backup-Bytes, X-Backup-Digest, X-Backup-Exit-Code, X-Backup-Uncompressed-Bytes\r\n\r\n")
    for off in range(0, len(frame), 65536):
        part = frame[off:off + 65536]
        c.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
    c.sendall(b"0\r\nX-Backup-Status: ok\r\nX-Backup-Bytes: %d\r\nX-Backup-Digest: xxh3-64:0123456789abcdef\r\n"
              b"X-Backup-Exit-Code: 0\r\nX-Backup-Uncompressed-Bytes: %d\r\n\r\n" % (len(frame), raw_bytes))


def silent(port_file, hold):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    held = []
    end = time.time() + float(hold)
    while time.time() < end:
        srv.settimeout(max(0.1, end - time.time()))
        try:
            held.append(srv.accept()[0])
        except socket.timeout:
            pass


def donor(port_file, mode, raw_file=None):
    # The raw response is read once, before the port is published, and sent from a memoryview: on a loaded machine
    # reading and copying 170 MB per connection took longer than the clone's --idle-timeout for the first byte.
    needs_raw = mode in ("longer", "longer-xbstream", "estimated-size-max", "zstd-damaged", "zstd-window")
    raw = memoryview(open(raw_file, "rb").read()) if needs_raw else None
    trickled = dechunk(raw.obj) if mode == "estimated-size-max" else None
    zstd = zstd_body(raw.obj, mode) if mode.startswith("zstd-") else None
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
                cut = raw.obj.rfind(b"\r\n0\r\n") + 2
                if mode == "longer":
                    extra = bytes(rng.getrandbits(8) for _ in range(100000))
                else:  # a well-framed extra xbstream file: only the byte count and digest betray it
                    name = b"extra/sneaked.ibd"
                    data = b"z" * 1000
                    import zlib
                    extra = (b"XBSTCK01\x00P" + len(name).to_bytes(4, "little") + name + len(data).to_bytes(8, "little")
                             + (0).to_bytes(8, "little") + zlib.crc32(data).to_bytes(4, "little") + data
                             + b"XBSTCK01\x00E" + len(name).to_bytes(4, "little") + name)
                c.sendall(raw[:cut])
                c.sendall(b"%x\r\n" % len(extra) + extra + b"\r\n")
                c.sendall(raw[cut:])
            elif mode == "chunk-ext-flood":
                sent, why = send_flood(c, DONOR_HEAD + b"1;", b"a", FLOOD_BYTES, b"\r\nX\r\n0\r\n\r\n")
                print("chunk-ext-flood: %d MiB sent, %s" % (sent >> 20, why), flush=True)
            elif mode == "trailer-flood":
                sent, why = send_flood(c, DONOR_HEAD + b"0\r\n", b"X-a: b\r\n", TRAILER_FLOOD_BYTES)
                print("trailer-flood: %d MiB sent, %s" % (sent >> 20, why), flush=True)
            elif mode == "estimated-size-max":
                estimated_size_max(c, *trickled)
            elif mode.startswith("zstd-"):
                send_zstd(c, *zstd)
            if mode.endswith("-flood"):
                # Then hold the connection without a byte more: the client must give up by itself (--idle-timeout).
                c.settimeout(120)
                while c.recv(65536):
                    pass
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
    elif cmd == "tls-flood":
        tls_flood(*sys.argv[2:])
    elif cmd == "donor":
        donor(*sys.argv[2:])
    elif cmd == "silent":
        silent(*sys.argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
