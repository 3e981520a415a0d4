#!/usr/bin/env bash
# html_chromium.sh - renders HTML reports with the CLI and checks them in headless Chromium:
# the page's script runs under its Content-Security-Policy (and a script the policy does not
# list does not), no mark is empty, each passage has one mark with its id on each side, the
# source list is there, clicking a passage opens its source text with the edits shown, and
# hostile text (<script>, "><img onerror>, javascript:, in the text and in a file name) stays
# text. Reports: compare with edits, swapped sentences and a paragraph found twice in B (two
# passages over the same characters of A); check of the editor fixture (three sources).
set -u
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "skip: $CHROMIUM not installed"
    exit 77
fi
command -v python3 >/dev/null || { echo "skip: python3 computes the script hashes"; exit 77; }
: "${OVL_BIN:?OVL_BIN must name the overlap CLI}"
SRC=${OVL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
sha() { python3 -c 'import base64,hashlib,sys; print("sha256-" + base64.b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode())'; }

cat > "$tmp/a.txt" <<'TXT'
人工智能技术的快速发展正在深刻改变传统教育的组织方式，学习者可以根据自身需要随时获取个性化的学习资源。
与此同时，教师的角色也从知识的传授者逐渐转变为学习过程的引导者和促进者，课堂教学的重心随之转移。
Machine learning models are increasingly used to grade student essays and to give feedback to every learner.
城市发展从增量扩张转向存量提升以后，社区公共空间的品质越来越受到关注，居民对绿地和活动场地的需求明显增加。
<script>document.title="pwned";document.documentElement.setAttribute("data-pwned","1")</script> & 'x' "y"
"><img src=x onerror="document.documentElement.setAttribute('data-pwned','2')"> javascript:alert(1)
TXT
bname='b"><img src=x onerror=alert(1)>.txt'
cat > "$tmp/$bname" <<'TXT'
与此同时，教师的角色也从知识的传授者逐步转变为学习过程的引导者与促进者，课堂教学的重心随之转移。
人工智能技术的迅速发展正在深刻改变传统教育的组织方式，学习者能够根据自身需要随时获取个性化的学习资源。
Machine learning models are increasingly used to grade student essays and to give feedback to every learner.
城市发展从增量扩张转向存量提升以后，社区公共空间的品质越来越受到关注，居民对绿地和活动场地的需求明显增加。
中间插入若干说明文字，讲的是天气和交通，没有任何重复的内容可以匹配上去。
城市发展从增量扩张转向存量提升以后，社区公共空间的品质越来越受到关注，居民对绿地和活动场地的需求明显增加。
<script>document.title="pwned";document.documentElement.setAttribute("data-pwned","1")</script> & 'x' "y"
"><img src=x onerror="document.documentElement.setAttribute('data-pwned','2')"> javascript:alert(1)
TXT

run_chromium() {
    local page=$1 dom=$2 log=$3 profile
    profile=$(mktemp -d "$tmp/profile.XXXXXX")
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 --dump-dom "file://$page" > "$dom" 2> "$log"
}

# check_report NAME HTML PASSAGES: the DOM checks on one report.
check_report() {
    local name=$1 html=$2 npass=$3
    [ -s "$html" ] || fail "$name: no HTML written"
    # The policy lists the report's own script by its hash.
    local want
    want=$(python3 -c 'import re,sys; sys.stdout.write(re.search(r"<script>(.*?)</script>", open(sys.argv[1], encoding="utf-8").read(), re.S).group(1))' "$html" | sha)
    grep -q "script-src '$want'" "$html" ||
        fail "$name: the Content-Security-Policy does not list the script's hash $want (update OVL_HTML_JS_SHA256)"
    [ "$(grep -c '<script>' "$html")" -eq 1 ] || fail "$name: more than one script element"
    if grep -Eq '(src|href)="(https?:)?//' "$html"; then fail "$name: the report references the network"; fi
    # The click checker, allowed by adding its hash; an injected script that is not listed.
    local h
    h=$(sha < "$SRC/tests/html/click_check.js")
    python3 - "$html" "$tmp/$name.clicked.html" "$h" "$SRC/tests/html/click_check.js" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
chk = open(sys.argv[4], encoding="utf-8").read()
page = page.replace("script-src '", "script-src '" + sys.argv[3] + "' '", 1)
inject = '<script>document.body.setAttribute("data-injected","1")</script>\n'
page = page.replace("</body>", inject + "<script>" + chk + "</script>\n</body>", 1)
open(sys.argv[2], "w", encoding="utf-8").write(page)
PY
    run_chromium "$html" "$tmp/$name.dom" "$tmp/$name.log" || fail "$name: chromium failed"
    run_chromium "$tmp/$name.clicked.html" "$tmp/$name.dom2" "$tmp/$name.log2" || fail "$name: chromium failed (clicked)"
    if grep -E ':CONSOLE[:(]|Uncaught' "$tmp/$name.log"; then fail "$name: JavaScript errors"; fi
    local b1 b2
    b1=$(grep -o '<body[^>]*>' "$tmp/$name.dom" | head -1)
    b2=$(grep -o '<body[^>]*>' "$tmp/$name.dom2" | head -1)
    echo "$name: $b2"
    echo "$b1" | grep -q 'data-ovl-ready="1"' || fail "$name: the report's script did not run"
    echo "$b1" | grep -q "data-ovl-passages=\"$npass\"" || fail "$name: data-ovl-passages is not $npass"
    echo "$b1" | grep -q "data-ovl-pairs=\"$npass\"" || fail "$name: passages with both marks differ from $npass"
    echo "$b2" | grep -q 'data-injected' && fail "$name: a script the policy does not list ran"
    echo "$b2" | grep -q 'data-empty-marks="0"' || fail "$name: an empty mark"
    echo "$b2" | grep -q 'data-one-mark="1"' || fail "$name: a passage side without exactly one mark with its id"
    echo "$b2" | grep -q "data-click-ok=\"$npass\"" || fail "$name: clicking a passage did not open its source"
    echo "$b2" | grep -q 'data-click-bad="0"' || fail "$name: a passage without its source block"
    echo "$b2" | grep -Eq 'data-sources="[1-9]' || fail "$name: no source list"
    echo "$b2" | grep -Eq 'data-edits="[1-9]' || fail "$name: no edit shown in an opened source passage"
    echo "$b2" | grep -q 'data-imgs="0"' || fail "$name: document text became an <img>"
    echo "$b2" | grep -q 'data-links="0"' || fail "$name: an element with href or src"
    echo "$b2" | grep -q 'data-handlers="0"' || fail "$name: an element with an event handler attribute"
    grep -o '<html[^>]*>' "$tmp/$name.dom" | grep -q 'data-pwned' && fail "$name: document markup was executed"
    grep -q '<title>overlap report</title>' "$tmp/$name.dom" || fail "$name: document script changed the title"
}

"$OVL_BIN" compare "$tmp/a.txt" "$tmp/$bname" --format html -o "$tmp/compare.html" 2> "$tmp/cli.err"
rc=$?
[ $rc -eq 1 ] || { cat "$tmp/cli.err"; fail "overlap compare --format html exited with $rc"; }
npass=$("$OVL_BIN" compare "$tmp/a.txt" "$tmp/$bname" --format json | grep -c '"similarity":')
# The two swapped sentences are one shuffled stretch (one passage); the paragraph found twice in
# B gives a second passage over some of the same characters of A.
[ "$npass" -ge 2 ] || fail "the example should yield at least 2 passages, got $npass"
check_report compare "$tmp/compare.html" "$npass"
grep -q '&lt;script&gt;document.title=' "$tmp/compare.dom" || fail "escaped document text missing"
grep -q '&quot;&gt;&lt;img src=x onerror=' "$tmp/compare.dom" || fail "escaped img text missing"
grep -q 'javascript:alert(1)' "$tmp/compare.dom" || fail "javascript: text missing"
grep -q 'b&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.txt' "$tmp/compare.html" || fail "hostile file name not escaped"

cp -r "$SRC/fixtures/editor/sources" "$tmp/sources"
"$OVL_BIN" index add --db "$tmp/idx.db" "$tmp/sources" > /dev/null 2>&1 || fail "index add"
"$OVL_BIN" check --db "$tmp/idx.db" "$SRC/fixtures/editor/submission.txt" --format html -o "$tmp/check.html"
[ $? -eq 1 ] || fail "overlap check --format html"
check_report check "$tmp/check.html" 4
echo "ok: compare ($npass passages) and check (4 passages) pass the DOM checks"
exit 0
