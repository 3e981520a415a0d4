# phase_times.py - reads overlap's --progress stream (stderr) on stdin and prints when each phase was first and last seen, other lines passed on to stderr.
"""usage: overlap scan --progress ... 2>&1 >/dev/null | phase_times.py

Progress records are "\\rPHASE: DONE/TOTAL\\033[K"; the clock starts when this reader does (with
the scan it follows) and a record is stamped when it is read, so the times are those of the
scan up to pipe latency. Prints one line per phase, "phase NAME FIRST_S LAST_S DONE/TOTAL",
in order of appearance, then "end S" when the stream closes (the scan has exited)."""
import os
import re
import sys
import time

RECORD = re.compile(rb"^([A-Za-z][\w -]*): (\d+)/(\d+)$")


def main():
    t0 = time.monotonic()
    phases = {}
    buf = b""
    while True:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            break
        now = time.monotonic() - t0
        parts = re.split(rb"[\r\n]", buf + chunk)
        buf = parts.pop()
        for p in parts:
            p = p.replace(b"\x1b[K", b"")
            if not p:
                continue
            m = RECORD.match(p)
            if m:
                name = m.group(1).decode()
                if name not in phases:
                    phases[name] = [now, now, b""]
                phases[name][1] = now
                phases[name][2] = m.group(2) + b"/" + m.group(3)
            else:
                sys.stderr.buffer.write(p + b"\n")
    if buf.replace(b"\x1b[K", b""):
        sys.stderr.buffer.write(buf + b"\n")
    end = time.monotonic() - t0
    for name, (first, last, count) in phases.items():
        print(f"phase {name.replace(' ', '_')} {first:.2f} {last:.2f} {count.decode()}")
    print(f"end {end:.2f}")


main()
