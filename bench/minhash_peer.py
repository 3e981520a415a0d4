# minhash_peer.py - the datasketch peer of real_en.sh: MinHash + MinHashLSH over the blank-line paragraphs of every file of a folder, candidate pairs only, one core.
"""usage: PYTHONPATH=DATASKETCH_SRC minhash_peer.py DIR [--perm 128] [--threshold 0.5]

Each file (recursively, hidden names left out) is read as UTF-8 (invalid bytes replaced) and
cut at blank lines; a paragraph of at least 8 words (lower-cased \\w+ runs, as overlap's
--min-words default) becomes the set of its 3-word shingles (overlap's English shingle), a
MinHash of --perm values, queried against the paragraphs indexed so far and then indexed.
Counts candidate paragraph pairs from different files; nothing is aligned or verified.
Prints "files N paragraphs N candidates N"."""
import os
import re
import sys

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")
BLANK = re.compile(r"\n[ \t\r\f\v]*\n")
SHINGLE, MIN_WORDS = 3, 8


def main():
    args = sys.argv[1:]
    perm, threshold, root = 128, 0.5, None
    while args:
        a = args.pop(0)
        if a == "--perm":
            perm = int(args.pop(0))
        elif a == "--threshold":
            threshold = float(args.pop(0))
        elif root is None:
            root = a
        else:
            sys.exit(__doc__)
    if root is None:
        sys.exit(__doc__)
    paths = []
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        paths += [os.path.join(d, n) for n in sorted(names) if not n.startswith(".")]
    lsh = MinHashLSH(threshold=threshold, num_perm=perm)
    # One set of permutations for all: building them per MinHash would dominate the run.
    perms = MinHash(num_perm=perm, seed=1).permutations
    owner = []  # paragraph number -> file number
    candidates = 0
    for fid, path in enumerate(paths):
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        for para in BLANK.split(text):
            words = WORD.findall(para.lower())
            if len(words) < MIN_WORDS:
                continue
            m = MinHash(num_perm=perm, permutations=perms)
            m.update_batch({" ".join(words[i:i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)})
            for other in lsh.query(m):
                if owner[other] != fid:
                    candidates += 1
            lsh.insert(len(owner), m, check_duplication=False)
            owner.append(fid)
    print(f"files {len(paths)} paragraphs {len(owner)} candidates {candidates}")


main()
