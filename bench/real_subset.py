# real_subset.py - picks a seeded random subset of whole files of a corpus, up to a byte budget, and hard-links it into a new folder.
"""usage: real_subset.py SEED BYTES SRC DST

Every file of SRC (recursively) gets the key SHA-1("SEED\\0relative/path"); files are taken in
key order, each one kept when it still fits in BYTES, skipped when it does not, so the subset
is the same on every machine holding the same files, whatever the order the file system
lists them in. DST is emptied and gets hard links (copies when linking fails)."""
import hashlib
import os
import shutil
import sys


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    seed, budget, src, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    files = []
    for d, _, names in os.walk(src):
        for n in names:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, src)
            key = hashlib.sha1(f"{seed}\0{rel}".encode()).hexdigest()
            files.append((key, rel, os.path.getsize(p)))
    files.sort()
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    total = n = 0
    for _, rel, size in files:
        if total + size > budget:
            continue
        out = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        try:
            os.link(os.path.join(src, rel), out)
        except OSError:
            shutil.copyfile(os.path.join(src, rel), out)
        total += size
        n += 1
    print(f"{n} files, {total} bytes")


main()
