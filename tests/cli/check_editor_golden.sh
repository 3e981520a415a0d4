#!/usr/bin/env bash
# The editor's report: `overlap check` of fixtures/editor/submission.txt, built from parts of
# three indexed sources (one paragraph copied whole, one with a word changed, one sentence
# quoted) plus a reference list copied from one of them. Golden files in text, JSON, CSV
# and HTML (tests/golden/check_editor.*), and the shares, ratios and section figures
# computed here from the fixture's own text.
set -u
: "${OVL_BIN:?}" "${OVL_SRC:?}"
cd "$OVL_SRC"
command -v python3 >/dev/null || { echo "skip: python3 computes the expected figures"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cp -r fixtures/editor/sources "$tmp/sources"
"$OVL_BIN" index add --db "$tmp/idx.db" "$tmp/sources" >"$tmp/add.out" 2>&1 ||
  { echo "FAIL index add"; cat "$tmp/add.out"; exit 1; }
sub=fixtures/editor/submission.txt
# The index stores absolute paths: the goldens hold them relative to the temporary directory.
# To regenerate after an intended change: run this script with OVL_REGEN=1, then read the
# new files before committing them.
for fmt in text json csv html; do
  ext=$fmt
  [ "$fmt" = text ] && ext=txt
  "$OVL_BIN" check --db "$tmp/idx.db" "$sub" --format "$fmt" --color never >"$tmp/raw.$ext" 2>"$tmp/err"
  status=$?
  sed "s|$tmp/||g" "$tmp/raw.$ext" >"$tmp/out.$ext"
  if [ -n "${OVL_REGEN:-}" ]; then cp "$tmp/out.$ext" "tests/golden/check_editor.$ext"; fi
  if [ "$status" != 1 ]; then
    echo "FAIL check $fmt: exit status $status (want 1)"; cat "$tmp/err"; fail=1
  elif [ -s "$tmp/err" ]; then
    echo "FAIL check $fmt: unexpected stderr"; cat "$tmp/err"; fail=1
  elif ! cmp -s "tests/golden/check_editor.$ext" "$tmp/out.$ext"; then
    echo "FAIL check $fmt: differs from tests/golden/check_editor.$ext"
    diff -u "tests/golden/check_editor.$ext" "$tmp/out.$ext" | head -40; fail=1
  else
    echo "ok   check $fmt"
  fi
done

# The figures, computed from the fixture: each passage runs from its first to its last
# token (punctuation is not a token), so a copied paragraph loses its final 。, the quoted
# sentence its quotation marks, and the copied reference list its first "[" and last ".".
python3 - "$sub" "$tmp/out.json" "$tmp/out.txt" "$tmp/out.csv" <<'PY' || fail=1
import json, sys
sub = open(sys.argv[1], encoding="utf-8").read()
lines = sub.split("\n")
n = len(sub)
copied = "近年来，许多城市把老旧小区改造作为改善民生的重要抓手，社区居民通过议事会、楼栋长和线上平台等渠道参与方案讨论，改造项目的满意度明显提高"
edited = "从各地实践看，改造资金大多来自财政补助、产权单位出资和居民自筹三部分，其中财政补助占比最高，居民自筹部分往往只覆盖电梯加装等个别项目"
quoted = "公共空间建成之后的日常维护往往缺少稳定的责任主体和经费保障"
refs_from = sub.index("参考文献\n")
refs_copy = sub[sub.index("[1]") + 1:sub.rindex(".")]   # "1] 王明. … 45-50"
p = {"participation": len(copied) + len(refs_copy), "funding": len(edited), "maintenance": len(quoted)}
reused = sum(p.values())
quote_chars = len(quoted) + 2                            # “ and ” count as quoted
ref_chars = n - refs_from
want = {
    "chars": n, "reused_chars": reused, "reuse_ratio": reused / n,
    "quoted_chars": quote_chars, "ratio_without_quotes": (reused - len(quoted)) / (n - quote_chars),
    "reference_chars": ref_chars,
    "ratio_without_references": (reused - len(refs_copy)) / (n - ref_chars),
}
def sec(title, nxt):
    s = sub.index(title)
    e = sub.index(nxt) if nxt else n
    return s, e
sections = {
    "一、问题的提出": (sec("一、问题的提出", "二、"), len(copied)),
    "二、更新实践中的主要做法": (sec("二、更新实践中的主要做法", "三、"), len(edited) + len(quoted)),
    "三、结论与建议": (sec("三、结论与建议", "参考文献"), 0),
    "参考文献": (sec("参考文献", None), len(refs_copy)),
}
bad = []
doc = json.load(open(sys.argv[2], encoding="utf-8"))["documents"][0]
for k, v in want.items():
    got = doc[k]
    if (round(v, 4) if isinstance(v, float) else v) != got:
        bad.append(f"{k}: {got}, computed {v}")
shares = [(s["path"].split("/")[-1].split(".")[0], s["chars"], s["ratio"]) for s in doc["shares"]]
want_sh = sorted(((k, v, round(v / n, 4)) for k, v in p.items()), key=lambda x: -x[1])
if shares != want_sh:
    bad.append(f"shares {shares}, computed {want_sh}")
for s in doc["sections"]:
    if s["title"] in sections:
        (a, b), r = sections.pop(s["title"])
        got = (s["char_start"], s["char_end"], s["reused_chars"], s["ratio"])
        if got != (a, b, r, round(r / (b - a), 4)):
            bad.append(f"section {s['title']}: {got}, computed {(a, b, r, round(r / (b - a), 4))}")
if sections:
    bad.append(f"sections missing: {list(sections)}")
txt = open(sys.argv[3], encoding="utf-8").read()
line = f"    source [3] sources/participation.txt · {p['participation']} chars · {p['participation'] / n:.4f}"
if line not in txt:
    bad.append("text report lacks: " + line)
csv = open(sys.argv[4], encoding="utf-8", newline="").read().split("\r\n")
row = f'0,"{sys.argv[1]}",1,"sources/funding.txt",1,{n},{p["funding"]},{p["funding"] / n:.4f},'
if not any(r.startswith(row) for r in csv):
    bad.append("CSV lacks a row starting " + row)
for b in bad:
    print("FAIL figures:", b)
if not bad:
    print(f"ok   figures: {reused}/{n} reused, shares {[x[1] for x in want_sh]}, 4 sections")
sys.exit(1 if bad else 0)
PY
exit $fail
