# real_common.sh - shell functions shared by the real-corpus scripts (sourced, not run): sizes, text tests, /usr/share/doc extraction.
# shellcheck shell=bash

size_of() { # DIR -> "N files, X MB"
  local n b
  n=$(find "$1" -type f | wc -l)
  b=$(find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  awk -v n="$n" -v b="$b" 'BEGIN{printf "%d files, %.1f MB", n, b / 1e6}'
}

# A file is kept when it is text (no NUL byte, per grep -I) and not markup, PostScript, a log or
# code meant for a browser: those are not the prose a reuse detector is for.
prose_name() { # NAME
  case $1 in
    *.html|*.htm|*.css|*.js|*.svg|*.png|*.gif|*.jpg|*.ico|*.pdf|*.ps|*.eps|*.log|*.json|*.xml|*.map) return 1 ;;
  esac
}
is_text() { [ -s "$1" ] && grep -Iq . "$1"; } # FILE

# Every prose text file of /usr/share/doc into OUT (emptied first), one flat file per source,
# .gz decompressed. Symbolic links (a package pointing at another's doc directory) would only
# add exact copies, so only regular files are read.
doc_texts() { # OUT
  local out=$1 tmp f rel name
  rm -rf "$out"
  mkdir -p "$out"
  tmp=$(mktemp)
  find /usr/share/doc -type f -size +0 | LC_ALL=C sort | while IFS= read -r f; do
    rel=${f#/usr/share/doc/}
    name=$(printf '%s' "${rel%.gz}" | tr '/' '_')
    case $f in
      *.gz) zcat -- "$f" >"$tmp" 2>/dev/null || continue ;;
      *) cp -- "$f" "$tmp" ;;
    esac
    prose_name "${rel%.gz}" || continue
    is_text "$tmp" || continue
    cp -- "$tmp" "$out/$name.txt"
  done
  rm -f "$tmp"
}
