#!/usr/bin/python3
"""Reads and rewrites xbstream/mbstream streams, to serve hostile backups through a real sidecar (fault suite).

  xbstream.py list IN                  one line per chunk: index, type, path, payload length, payload offset
  xbstream.py cat IN PATH              PATH's content (its payload chunks in order) on stdout
  xbstream.py rewrite IN OUT [OP...]   copy IN to OUT ('-': stdout) with the edits below, in the order given:
    --replace PATH SOURCE              PATH's content becomes SOURCE (its chunks are replaced where they were)
    --drop PATH                        PATH's chunks are left out
    --insert WHERE PATH SOURCE         a whole file: payload chunks (10 MiB at most each) and its end chunk
    --chunk WHERE TYPE PATH SOURCE     one chunk as given: TYPE P (SOURCE's bytes at offset 0) or E (SOURCE unused)
  WHERE: start | middle (half-way through the chunks, between two chunks) | before-meta (before the metadata files
  that end every backup: backup-my.cnf, xtrabackup_info, the checkpoints, ...) | end
  SOURCE: a file, text:STRING, or zeros:SIZE (SIZE in bytes, or with K/M/G: generated, never held in memory)
  PATH is written as given: '../x', '/tmp/x' and reserved names are the point.

Format (tests/fixtures/backup-metadata/README.md section 4, integers little-endian): magic XBSTCK01, flags (1),
type (1: P payload, E end of file, S sparse), path length (4), path; P and S continue with [S: map size (4)],
payload length (8), payload offset (8), CRC32 of [map]+payload (4), [S: map], payload. Standard library only.
"""
import os
import struct
import sys
import zlib

MAGIC = b"XBSTCK01"
MAX_PAYLOAD = 10 * 1024 * 1024
# The files mariabackup/xtrabackup stream last, after every table: what --insert before-meta goes in front of.
META = {
    "backup-my.cnf", "ib_logfile0", "aria_log_control",
    "xtrabackup_binlog_info", "xtrabackup_checkpoints", "xtrabackup_info", "xtrabackup_slave_info",
    "xtrabackup_galera_info", "xtrabackup_binlog_pos_innodb", "xtrabackup_tablespaces",
    "mariadb_backup_binlog_info", "mariadb_backup_checkpoints", "mariadb_backup_info", "mariadb_backup_slave_info",
    "mariadb_backup_galera_info",
}


class Chunk:
    """One chunk of the input: where its bytes are (copied as they are), and what it says."""

    def __init__(self, type_, path, start, length, payload_len=0, offset=0):
        self.type, self.path, self.start, self.length = type_, path, start, length
        self.payload_len, self.offset = payload_len, offset


def parse(f):
    chunks = []
    pos = 0
    while True:
        head = f.read(14)
        if not head:
            return chunks
        if len(head) < 14 or head[:8] != MAGIC:
            raise SystemExit("xbstream.py: not an xbstream chunk at byte %d" % pos)
        type_ = chr(head[9])
        (path_len,) = struct.unpack("<I", head[10:14])
        path = f.read(path_len).decode("utf-8", "surrogateescape")
        length = 14 + path_len
        payload_len = offset = 0
        if type_ in "PS":
            extra = 4 if type_ == "S" else 0
            rest = f.read(extra + 20)
            map_size = struct.unpack("<I", rest[:4])[0] if extra else 0
            payload_len, offset = struct.unpack("<QQ", rest[extra:extra + 16])
            body = map_size * 8 + payload_len
            f.seek(body, os.SEEK_CUR)
            length += extra + 20 + body
        elif type_ != "E":
            raise SystemExit("xbstream.py: unknown chunk type %r at byte %d" % (type_, pos))
        chunks.append(Chunk(type_, path, pos, length, payload_len, offset))
        pos += length
        f.seek(pos)


def parse_size(text):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:].upper(), 1)
    return int(text[:-1] if mult > 1 else text) * mult


def source_pieces(source):
    """SOURCE's content in pieces of at most MAX_PAYLOAD bytes (an empty source gives no piece)."""
    if source.startswith("text:"):
        data = source[5:].encode()
        for i in range(0, len(data), MAX_PAYLOAD):
            yield data[i:i + MAX_PAYLOAD]
    elif source.startswith("zeros:"):
        left = parse_size(source[6:])
        zeros = bytes(MAX_PAYLOAD)
        while left > 0:
            n = min(left, MAX_PAYLOAD)
            yield zeros if n == MAX_PAYLOAD else bytes(n)
            left -= n
    else:
        with open(source, "rb") as f:
            while True:
                data = f.read(MAX_PAYLOAD)
                if not data:
                    return
                yield data


def chunk_bytes(type_, path, payload=b"", offset=0):
    p = path.encode("utf-8", "surrogateescape")
    head = MAGIC + b"\x00" + type_.encode() + struct.pack("<I", len(p)) + p
    if type_ == "E":
        return head
    return head + struct.pack("<QQI", len(payload), offset, zlib.crc32(payload)) + payload


def file_chunks(path, source):
    offset = 0
    for piece in source_pieces(source):
        yield chunk_bytes("P", path, piece, offset)
        offset += len(piece)
    yield chunk_bytes("E", path)


def position(chunks, where):
    if where == "start":
        return 0
    if where == "end":
        return len(chunks)
    if where == "middle":
        return len(chunks) // 2
    if where == "before-meta":
        i = len(chunks)
        while i > 0 and chunks[i - 1].path in META:
            i -= 1
        return i
    raise SystemExit("xbstream.py: WHERE is start, middle, before-meta or end, not " + where)


def rewrite(src, dst, ops):
    with open(src, "rb") as f:
        chunks = parse(f)
    replaced, dropped = {}, set()
    inserts = {}  # position -> list of generators, in the order given
    i = 0
    while i < len(ops):
        op = ops[i]
        if op == "--replace":
            replaced[ops[i + 1]] = ops[i + 2]
            i += 3
        elif op == "--drop":
            dropped.add(ops[i + 1])
            i += 2
        elif op == "--insert":
            where, path, source = ops[i + 1:i + 4]
            inserts.setdefault(position(chunks, where), []).append(lambda p=path, s=source: file_chunks(p, s))
            i += 4
        elif op == "--chunk":
            where, type_, path, source = ops[i + 1:i + 5]
            if type_ == "P":
                gen = lambda p=path, s=source: iter([chunk_bytes("P", p, b"".join(source_pieces(s)))])
            else:
                gen = lambda p=path: iter([chunk_bytes("E", p)])
            inserts.setdefault(position(chunks, where), []).append(gen)
            i += 5
        else:
            raise SystemExit(__doc__)
    missing = [p for p in list(replaced) + list(dropped) if p not in {c.path for c in chunks}]
    if missing:
        raise SystemExit("xbstream.py: not in the stream: " + ", ".join(missing))

    out = sys.stdout.buffer if dst == "-" else open(dst, "wb")
    done = set()
    with open(src, "rb") as f:
        for n in range(len(chunks) + 1):
            for gen in inserts.get(n, []):
                for b in gen():
                    out.write(b)
            if n == len(chunks):
                break
            c = chunks[n]
            if c.path in dropped:
                continue
            if c.path in replaced:
                if c.path not in done:
                    done.add(c.path)
                    for b in file_chunks(c.path, replaced[c.path]):
                        out.write(b)
                continue
            f.seek(c.start)
            left = c.length
            while left:
                b = f.read(min(left, 1 << 20))
                out.write(b)
                left -= len(b)
    out.flush()
    if out is not sys.stdout.buffer:
        out.close()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "list":
        with open(sys.argv[2], "rb") as f:
            for i, c in enumerate(parse(f)):
                print("%d\t%s\t%s\t%d\t%d" % (i, c.type, c.path, c.payload_len, c.offset))
    elif len(sys.argv) == 4 and sys.argv[1] == "cat":
        with open(sys.argv[2], "rb") as f:
            chunks = [c for c in parse(f) if c.path == sys.argv[3] and c.type == "P"]
            if not chunks:
                raise SystemExit("xbstream.py: not in the stream: " + sys.argv[3])
            for c in chunks:
                f.seek(c.start + c.length - c.payload_len)
                sys.stdout.buffer.write(f.read(c.payload_len))
    elif len(sys.argv) >= 4 and sys.argv[1] == "rewrite":
        try:
            rewrite(sys.argv[2], sys.argv[3], sys.argv[4:])
        except BrokenPipeError:
            sys.exit(1)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
