#!/usr/bin/env bash
# fetch_real.sh - builds real (not generated) corpora under bench/data/ from Debian and npm packages, for scan/throughput runs.
#
# usage: bench/fetch_real.sh [--no-linux] [--no-zh] [--linux-max-mb N]
#   bench/data/real-en/doc/    every text file under /usr/share/doc (.gz changelogs and
#                              copyright files decompressed): licence texts and changelog
#                              boilerplate shared between packages, as real corpora have
#   bench/data/real-en/linux/  Documentation/ of the kernel source (apt package linux-source),
#                              only when its installed size is at most --linux-max-mb (200)
#   bench/data/real-zh/        the npm package chinese-poetry (classical poems, mostly in
#                              Traditional characters) converted from JSON to one text file per
#                              JSON file, poems separated by blank lines
# Everything goes under bench/data/ (git-ignored). Prints the size of each corpus.
# Exit status: 0 done (a part that cannot be fetched is skipped with a message), 2 trouble.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=$ROOT/bench/data
LINUX=1 ZH=1 LINUX_MAX_MB=200
while [ $# -gt 0 ]; do
  case $1 in
    --no-linux) LINUX=0; shift ;;
    --no-zh) ZH=0; shift ;;
    --linux-max-mb) LINUX_MAX_MB=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fetch_real.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$DATA"

. "$ROOT/bench/real_common.sh"

# ---- real-en/doc: /usr/share/doc ---------------------------------------------------------
out=$DATA/real-en/doc
doc_texts "$out"
echo "real-en/doc:   $(size_of "$out")  (from /usr/share/doc)"

# ---- real-en/linux: kernel Documentation/ ----------------------------------------------------
if [ $LINUX -eq 1 ]; then
  out=$DATA/real-en/linux
  tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$tarball" ]; then
    dep=$(apt-cache show linux-source 2>/dev/null | awk '/^Depends:/ {print $2; exit}')
    kb=$( [ -n "$dep" ] && apt-cache show "$dep" 2>/dev/null | awk '/^Installed-Size:/ {print $2; exit}' || true)
    if [ -z "$kb" ]; then
      echo "real-en/linux: skipped: apt-cache knows no linux-source (run apt-get update?)"
    elif [ "$kb" -gt $((LINUX_MAX_MB * 1024)) ]; then
      echo "real-en/linux: skipped: $dep installs $((kb / 1024)) MB > $LINUX_MAX_MB MB"
    else
      echo "real-en/linux: installing $dep ($((kb / 1024)) MB installed)..."
      if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends linux-source >/dev/null 2>&1; then
        tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -1 || true)
      else
        echo "real-en/linux: skipped: apt-get install linux-source failed"
      fi
    fi
  fi
  if [ -n "$tarball" ]; then
    rm -rf "$out"
    mkdir -p "$out"
    x=$(mktemp -d)
    tar -xJf "$tarball" -C "$x" --wildcards '*/Documentation/*'
    find "$x" -type f \( -name '*.rst' -o -name '*.txt' \) | LC_ALL=C sort | while IFS= read -r f; do
      rel=${f#"$x"/*/Documentation/}
      is_text "$f" && cp -- "$f" "$out/$(printf '%s' "$rel" | tr '/' '_')"
    done
    rm -rf "$x"
    echo "real-en/linux: $(size_of "$out")  (Documentation/ of $(basename "$tarball"))"
  fi
fi

# ---- real-zh: npm chinese-poetry ---------------------------------------------------------------
if [ $ZH -eq 1 ]; then
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "real-zh: skipped: needs npm and node"
  else
    npmdir=$DATA/npm
    mkdir -p "$npmdir"
    tgz=$(ls "$npmdir"/chinese-poetry-*.tgz 2>/dev/null | tail -1 || true)
    if [ -z "$tgz" ]; then
      (cd "$npmdir" && npm pack chinese-poetry --silent >/dev/null 2>&1) || true
      tgz=$(ls "$npmdir"/chinese-poetry-*.tgz 2>/dev/null | tail -1 || true)
    fi
    if [ -z "$tgz" ]; then
      echo "real-zh: skipped: npm pack chinese-poetry failed"
    else
      rm -rf "$npmdir/package"
      tar -xzf "$tgz" -C "$npmdir"
      out=$DATA/real-zh
      rm -rf "$out"
      mkdir -p "$out"
      # Each JSON file is an array of poems ({title|rhythmic, author, paragraphs: [lines]});
      # one text file per JSON file keeps documents the size of a collection chapter.
      node - "$npmdir/package" "$out" <<'JS'
const fs = require('fs'), path = require('path');
const [root, out] = process.argv.slice(2);
let nfiles = 0, npoems = 0;
function walk(d) {
  for (const e of fs.readdirSync(d, {withFileTypes: true}).sort((a, b) => a.name < b.name ? -1 : 1)) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) { walk(p); continue; }
    if (!e.name.endsWith('.json') || e.name === 'package.json') continue;
    let v;
    try { v = JSON.parse(fs.readFileSync(p, 'utf8')); } catch (err) { continue; }
    if (!Array.isArray(v)) continue;
    const parts = [];
    for (const poem of v) {
      if (!poem || typeof poem !== 'object') continue;
      const body = poem.paragraphs || poem.content || poem.para;
      if (!Array.isArray(body) || body.length === 0) continue;
      const head = [poem.title || poem.rhythmic || poem.chapter || '', poem.author || ''].filter(Boolean).join(' ');
      parts.push((head ? head + '\n' : '') + body.filter(x => typeof x === 'string').join('\n'));
      npoems++;
    }
    if (parts.length === 0) continue;
    const name = path.relative(root, p).replace(/[\/\\]/g, '_').replace(/\.json$/, '.txt');
    fs.writeFileSync(path.join(out, name), parts.join('\n\n') + '\n');
    nfiles++;
  }
}
walk(root);
console.error(`real-zh: ${npoems} poems in ${nfiles} files`);
JS
      echo "real-zh:       $(size_of "$out")  (from $(basename "$tgz"))"
    fi
  fi
fi
