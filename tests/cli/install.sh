#!/usr/bin/env bash
# cmake --install puts library, headers, CLI, pkg-config and CMake package files and the man
# page in place; programs build against the installed copy with pkg-config (shared and static)
# and with find_package(overlap), and the shared library exports only the public API.
set -euo pipefail
: "${OVL_BUILD:?}" "${OVL_SRC:?}"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail() { echo "install: $*" >&2; exit 1; }
cmake --install "$OVL_BUILD" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib* | head -1)
for f in "$prefix/bin/overlap" "$prefix/include/overlap.h" "$prefix/include/overlap/doc.h" \
         "$prefix/share/man/man1/overlap.1" "$prefix/share/doc/overlap/json-schema.md" "$libdir/liboverlap.a" "$libdir/liboverlap.so" \
         "$libdir/liboverlap.so.0" "$libdir/liboverlap.so.0.1.0" \
         "$libdir/cmake/overlap/overlap-config.cmake" \
         "$libdir/cmake/overlap/overlap-config-version.cmake"; do
  [ -e "$f" ] || fail "missing after install: $f"
done
cmp -s "$prefix/share/doc/overlap/json-schema.md" "$OVL_SRC/docs/json-schema.md" || fail "json-schema.md installed differs"
# The man page has OPTIONS and EXAMPLES sections and names the installed schema doc.
for sec in OPTIONS EXAMPLES "INPUT FILES" "EXIT STATUS"; do
  grep -qx "\.SH $sec" "$prefix/share/man/man1/overlap.1" || fail "man page lacks $sec"
done
grep -q 'share/doc/overlap/json\\-schema.md' "$prefix/share/man/man1/overlap.1" || fail "man page does not name the schema doc"
soname=$(readelf -d "$libdir/liboverlap.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "liboverlap.so.0" ] || fail "SONAME is '$soname', want liboverlap.so.0"
pc=$(find "$prefix" -name overlap.pc | head -1)
[ -n "$pc" ] || fail "overlap.pc not installed"
export PKG_CONFIG_PATH="$(dirname "$pc")"
# The sanitizer build's library needs the sanitizer runtime in the program too.
san=""; grep -q "OVL_SANITIZE:BOOL=ON" "$OVL_BUILD/CMakeCache.txt" && san="-fsanitize=address,undefined"
cc=${CC:-cc}
prog="$OVL_SRC/tests/cli/lib_compare.c"
src_a="$OVL_SRC/fixtures/reuse/source.txt" src_b="$OVL_SRC/fixtures/reuse/copy.txt"
want='A lines 14-17 ~ B lines 5-8, similarity 1.00: 近十年来，各地陆续建...
A lines 24-27 ~ B lines 4-4, similarity 0.95 (moved): 第一，护理人员数量不...
A lines 28-31 ~ B lines 10-10, similarity 1.00: 第二，医疗资源与养老...'
# Runs a built copy of the example: the three passages (exit 1), and a clean error (exit 2).
check_run() {
  local bin=$1 out rc=0
  out=$("$bin" "$src_a" "$src_b") || rc=$?
  [ "$rc" = 1 ] || fail "$bin: exit $rc, want 1"
  [ "$out" = "$want" ] || fail "$bin: got
$out
want
$want"
  rc=0; out=$("$bin" "$src_a" "$prefix/missing.txt" 2>&1) || rc=$?
  [ "$rc" = 2 ] && [ "$out" = "input/output error: No such file or directory" ] ||
    fail "$bin on a missing file: exit $rc, '$out'"
}
# The README shows the example verbatim.
readme=$(cat "$OVL_SRC/README.md"); example=$(cat "$prog")
[[ "$readme" == *"$example"* ]] || fail "README.md does not contain tests/cli/lib_compare.c as it is"

# --cflags gives the installed include directory and nothing else (no dependency's defines).
cflags=$(pkg-config --cflags overlap)
[ -n "$cflags" ] || fail "--cflags is empty"
for w in $cflags; do
  case $w in
    -I*) [ "$(realpath "${w#-I}")" = "$(realpath "$prefix/include")" ] || fail "--cflags has $w" ;;
    *) fail "--cflags leaks '$w'" ;;
  esac
done

# (a) Plain pkg-config: linked against the installed shared library.
$cc -std=c11 -Wall -Wextra -Werror $san "$prog" -o "$prefix/compare_shared" \
  $(pkg-config --cflags --libs overlap)
# (whole outputs are captured before matching: grep -q ending a pipe early would kill the
# writer with SIGPIPE, a failure under pipefail)
dyn=$(readelf -d "$prefix/compare_shared")
grep -q 'NEEDED.*\[liboverlap\.so\.0\]' <<<"$dyn" || fail "compare_shared does not use liboverlap.so.0"
libs=$(LD_LIBRARY_PATH="$libdir" ldd "$prefix/compare_shared")
grep -qF "liboverlap.so.0 => $libdir/" <<<"$libs" ||
  fail "compare_shared does not load the installed liboverlap.so.0: $libs"
LD_LIBRARY_PATH="$libdir" check_run "$prefix/compare_shared"
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
$cc -std=c11 $san "$prefix/hello.c" -o "$prefix/hello" $(pkg-config --cflags --libs overlap)
out=$(LD_LIBRARY_PATH="$libdir" "$prefix/hello")
want_hello="$("$prefix/bin/overlap" --version | cut -d' ' -f2) hello世界 3"
[ "$out" = "$want_hello" ] || fail "hello: got '$out', want '$want_hello'"

# A folder scanned through the corpus API, built the same way (the README's second example).
scanprog="$OVL_SRC/tests/cli/lib_scan.c"
example=$(cat "$scanprog")
[[ "$readme" == *"$example"* ]] || fail "README.md does not contain tests/cli/lib_scan.c as it is"
$cc -std=c11 -Wall -Wextra -Werror $san "$scanprog" -o "$prefix/scan_shared" \
  $(pkg-config --cflags --libs overlap)
mkdir -p "$prefix/folder"
cp "$src_a" "$prefix/folder/a.txt"; cp "$src_b" "$prefix/folder/b.txt"; cp "$src_a" "$prefix/folder/c.txt"
rc=0; out=$(cd "$prefix" && LD_LIBRARY_PATH="$libdir" ./scan_shared folder) || rc=$?
want_scan='3 documents, 1 pairs with reuse
identical: folder/a.txt folder/c.txt
folder/a.txt ~ folder/b.txt: 3 passages, 28.4% ~ 59.7%'
[ "$rc" = 1 ] && [ "$out" = "$want_scan" ] || fail "scan_shared: exit $rc, got
$out
want
$want_scan"

# (b) pkg-config --static, from a copy of the install without the shared library (as an
# install of only liboverlap.a would be); fully static (-static) outside the sanitizer build,
# which cannot link that way.
mkdir "$prefix/static"
cp -a "$prefix/include" "$libdir" "$prefix/static/"
rm "$prefix/static/$(basename "$libdir")"/liboverlap.so*
static=""; [ -n "$san" ] || static="-static"
$cc -std=c11 -Wall -Wextra -Werror $san $static "$prog" -o "$prefix/compare_static" \
  $(PKG_CONFIG_PATH="$prefix/static/$(basename "$libdir")/pkgconfig" pkg-config --static --cflags --libs overlap)
dyn=$(readelf -d "$prefix/compare_static")
! grep -q 'NEEDED.*liboverlap' <<<"$dyn" || fail "compare_static needs liboverlap.so"
check_run "$prefix/compare_static"

# (c) A CMake project: find_package(overlap) and the imported target overlap::overlap.
mkdir "$prefix/user"
cp "$prog" "$prefix/user/"
cat > "$prefix/user/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(overlap_user C)
find_package(overlap 0.1 REQUIRED)
add_executable(lib_compare lib_compare.c)
target_link_libraries(lib_compare PRIVATE overlap::overlap)
CMAKE
cmake -S "$prefix/user" -B "$prefix/user/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$prefix/user/build" >/dev/null
libs=$(ldd "$prefix/user/build/lib_compare")
grep -qF "liboverlap.so.0 => $libdir/" <<<"$libs" ||
  fail "the find_package build does not load the installed liboverlap.so.0: $libs"
check_run "$prefix/user/build/lib_compare"

# (d) liboverlap.so exports exactly the functions the installed headers declare: no internal
# ovl__ function, no table, and none whose declaration lacks OVL_API. scan_mpi.h, installed
# with -DOVL_MPI=ON, declares liboverlap_mpi.a's functions: checked against that library.
declared=$(ls "$prefix"/include/overlap/*.h | grep -v '/scan_mpi\.h$' |
           xargs sed -n 's/^\(OVL_API \)\{0,1\}[a-z0-9_ ]*[ *]\(ovl_[a-z0-9_]*\)(.*/\2/p' | sort)
if [ -f "$prefix/include/overlap/scan_mpi.h" ]; then
  mpisyms=$(nm --defined-only "$libdir/liboverlap_mpi.a") # whole, as above: no SIGPIPE
  for f in $(sed -n 's/^\(OVL_API \)\{0,1\}[a-z0-9_ ]*[ *]\(ovl_[a-z0-9_]*\)(.*/\2/p' "$prefix/include/overlap/scan_mpi.h"); do
    grep -qw "T $f" <<<"$mpisyms" || fail "liboverlap_mpi.a lacks $f"
  done
fi
exported=$(nm -D --defined-only "$libdir/liboverlap.so" | awk '{print $3}' |
           grep -vxE '_init|_fini|_edata|_end|__bss_start' | sort)
[ "$(echo "$declared" | wc -l)" -ge 90 ] || fail "found only $(echo "$declared" | wc -l) declarations"
[ "$declared" = "$exported" ] || fail "exported symbols differ from the declarations (< declared only, > exported only):
$(diff <(echo "$declared") <(echo "$exported"))"

man -l "$prefix/share/man/man1/overlap.1" >/dev/null 2>&1 || [ ! -x /usr/bin/man ] || fail "man page does not render"
echo "install ok: shared, static and find_package builds agree; $(echo "$exported" | wc -l) symbols exported"
