#!/usr/bin/python3
"""Runs a command and records its own peak resident set (VmHWM, kB) at the moment it exits.

  peak_rss.py OUTFILE -- COMMAND [ARGS...]

Exits with the command's exit code (128+N when signal N killed it). The command is traced (ptrace, exit events
only) so that /proc/PID/status can be read after it decided to exit and before its memory is released: polling
misses a peak that comes right before the exit, and getrusage(RUSAGE_CHILDREN) would add the command's own
children (mbstream, mariabackup --prepare) to its figure. Signals sent to this wrapper are passed on.
"""
import ctypes
import os
import signal
import sys

PTRACE_TRACEME, PTRACE_CONT, PTRACE_SETOPTIONS = 0, 7, 0x4200
PTRACE_O_TRACEEXIT, PTRACE_O_EXITKILL = 0x40, 0x100000
PTRACE_EVENT_EXIT = 6

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


def vmhwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        raise SystemExit(__doc__)
    out, argv = sys.argv[1], sys.argv[3:]
    pid = os.fork()
    if pid == 0:
        libc.ptrace(PTRACE_TRACEME, 0, None, None)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda sig, _f: os.kill(pid, sig))
    peak = 0
    first = True
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except InterruptedError:
            continue
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            break
        if not os.WIFSTOPPED(status):
            continue
        sig = os.WSTOPSIG(status)
        peak = max(peak, vmhwm(pid))
        deliver = sig
        if first and sig == signal.SIGTRAP:  # the stop after execve
            first = False
            libc.ptrace(PTRACE_SETOPTIONS, pid, None, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)
            deliver = 0
        elif sig == signal.SIGTRAP and (status >> 16) == PTRACE_EVENT_EXIT:
            deliver = 0
        libc.ptrace(PTRACE_CONT, pid, None, ctypes.c_void_p(deliver))
    with open(out + ".tmp", "w") as f:
        f.write("%d\n" % peak)
    os.rename(out + ".tmp", out)
    sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main()
