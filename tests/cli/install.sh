#!/usr/bin/env bash
# cmake --install puts library, headers, CLI, overlap.pc and the man page in place, and a small
# program builds against the installed copy with pkg-config and runs.
set -euo pipefail
: "${OVL_BUILD:?}" "${OVL_SRC:?}"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$OVL_BUILD" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib* | head -1)
for f in "$prefix/bin/overlap" "$prefix/include/overlap.h" "$prefix/include/overlap/doc.h" \
         "$prefix/share/man/man1/overlap.1"; do
  [ -e "$f" ] || { echo "missing after install: $f"; exit 1; }
done
pc=$(find "$prefix" -name overlap.pc | head -1)
[ -n "$pc" ] || { echo "overlap.pc not installed"; exit 1; }
cat > "$prefix/hello.c" <<'C'
#include <overlap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
    const char *s = "Ｈｅｌｌｏ，世界";
    ovl_doc *d = NULL;
    if (ovl_doc_from_bytes(NULL, "x", s, strlen(s), NULL, &d) != OVL_OK)
        return 1;
    char *t = ovl_norm_utf8(ovl_doc_norm(d), 0, 99);
    printf("%s %s %zu\n", ovl_version(), t, ovl_norm_count(ovl_doc_norm(d)));
    free(t);
    ovl_doc_free(d);
    return 0;
}
C
export PKG_CONFIG_PATH="$(dirname "$pc")"
# The sanitizer build's objects need the sanitizer runtime at link time.
extra=""; grep -q "OVL_SANITIZE:BOOL=ON" "$OVL_BUILD/CMakeCache.txt" && extra="-fsanitize=address,undefined"
cc -std=c11 $extra "$prefix/hello.c" -o "$prefix/hello" $(pkg-config --static --cflags --libs overlap) -Wl,-rpath,"$libdir"
out=$("$prefix/hello")
want="$("$prefix/bin/overlap" --version | cut -d' ' -f2) hello世界 3"
[ "$out" = "$want" ] || { echo "got '$out', want '$want'"; exit 1; }
man -l "$prefix/share/man/man1/overlap.1" >/dev/null 2>&1 || [ ! -x /usr/bin/man ] || { echo "man page does not render"; exit 1; }
echo "install ok: $out"
