#!/usr/bin/env bash
# Installs overlap's build and test dependencies from Debian (when missing) and builds it in build/.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config libxxhash-dev check libsubunit-dev libutf8proc-dev
          libopencc-dev opencc libsqlite3-dev libjansson-dev clang libclang-rt-14-dev chromium
          jq time python3 zlib1g-dev fonts-wqy-microhei)
# fonts-wqy-microhei: CJK glyphs for headless Chromium (HTML report checks and screenshots).
# WordNet's data for ovl-gen's reword kind (English synonyms); test_gen uses it when present.
PACKAGES+=(wordnet-base)
# bench/real_en.sh also wants groff-base (it renders the man pages) and the peers it times
# overlap against: similarity-tester, python3-numpy, python3-scipy. They are not needed to
# build or test: `bash tools/setup.sh --bench` installs them too.
# Open MPI builds overlap-mpi and its tests (-DOVL_MPI=ON); `--no-mpi` leaves it out.
mpi=ON
for a in "$@"; do
  case $a in
    --bench) PACKAGES+=(groff-base similarity-tester python3-numpy python3-scipy) ;;
    --no-mpi) mpi=OFF ;;
    *) echo "usage: tools/setup.sh [--bench] [--no-mpi]" >&2; exit 2 ;;
  esac
done
[ "$mpi" = ON ] && PACKAGES+=(openmpi-bin libopenmpi-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOVL_MPI=$mpi >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "setup: built build/overlap" >&2
