#!/usr/bin/env bash
# html_chromium.sh - renders an HTML report with the CLI and checks it in headless Chromium:
# the page's script runs without errors, there is one highlight pair per passage, clicking a
# highlight flashes its partner, and document text (including <script>) stays text.
set -u
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "skip: $CHROMIUM not installed"
    exit 77
fi
: "${OVL_BIN:?OVL_BIN must name the overlap CLI}"
SRC=${OVL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Two documents: a Chinese paragraph and an edited copy with a moved sentence, an English
# sentence, and markup that must never execute.
cat > "$tmp/a.txt" <<'TXT'
人工智能技术的快速发展正在深刻改变传统教育的组织方式，学习者可以根据自身需要随时获取个性化的学习资源。
与此同时，教师的角色也从知识的传授者逐渐转变为学习过程的引导者和促进者，课堂教学的重心随之转移。
Machine learning models are increasingly used to grade student essays and to give feedback to every learner.
<script>document.title="pwned";document.documentElement.setAttribute("data-pwned","1")</script> & 'x' "y"
TXT
cat > "$tmp/b.txt" <<'TXT'
与此同时，教师的角色也从知识的传授者逐步转变为学习过程的引导者与促进者，课堂教学的重心随之转移。
人工智能技术的迅速发展正在深刻改变传统教育的组织方式，学习者能够根据自身需要随时获取个性化的学习资源。
Machine learning models are increasingly used to grade student essays and to give feedback to every learner.
<script>document.title="pwned";document.documentElement.setAttribute("data-pwned","1")</script> & 'x' "y"
TXT

"$OVL_BIN" compare "$tmp/a.txt" "$tmp/b.txt" --format html -o "$tmp/report.html" 2> "$tmp/cli.err"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    cat "$tmp/cli.err"
    fail "overlap compare --format html exited with $rc"
fi
[ -s "$tmp/report.html" ] || fail "no HTML written"

# Expected passage count, from the JSON report of the same comparison.
"$OVL_BIN" compare "$tmp/a.txt" "$tmp/b.txt" --format json -o "$tmp/report.json" 2> "$tmp/cli.err"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || { cat "$tmp/cli.err"; fail "overlap compare --format json exited with $rc"; }
npass=$(grep -c '"similarity":' "$tmp/report.json")
[ "$npass" -ge 1 ] || fail "the example should yield at least one passage"

# The same report with the click checker appended before </body>.
sed -e '/^<\/body>$/{r '"$SRC"'/tests/html/click_check.js' -e 'i<script>' -e 'a</script>\n</body>' -e 'd}' \
    "$tmp/report.html" > "$tmp/clicked.html"

run_chromium() {
    local page=$1 dom=$2 log=$3 profile
    profile=$(mktemp -d "$tmp/profile.XXXXXX")
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 --dump-dom "file://$page" > "$dom" 2> "$log"
}

run_chromium "$tmp/report.html" "$tmp/dom.html" "$tmp/chromium.log" || fail "chromium failed on the report"
run_chromium "$tmp/clicked.html" "$tmp/dom2.html" "$tmp/chromium2.log" || fail "chromium failed on the clicked report"

for log in "$tmp/chromium.log" "$tmp/chromium2.log"; do
    if grep -E ':CONSOLE[:(]|Uncaught' "$log"; then
        fail "JavaScript reported errors or console output"
    fi
done

body=$(grep -o '<body[^>]*>' "$tmp/dom.html" | head -1)
echo "body: $body"
echo "$body" | grep -q 'data-ovl-ready="1"' || fail "the report's script did not run to the end"
echo "$body" | grep -q "data-ovl-passages=\"$npass\"" || fail "data-ovl-passages is not $npass"
echo "$body" | grep -q "data-ovl-pairs=\"$npass\"" || fail "highlight pairs differ from $npass passages"
[ "$(grep -o '<mark id="p[0-9]*a"' "$tmp/dom.html" | sort -u | wc -l)" -eq "$npass" ] || fail "A-side highlights"
[ "$(grep -o '<mark id="p[0-9]*b"' "$tmp/dom.html" | sort -u | wc -l)" -eq "$npass" ] || fail "B-side highlights"

body2=$(grep -o '<body[^>]*>' "$tmp/dom2.html" | head -1)
echo "clicked: $body2"
echo "$body2" | grep -q "data-click-ok=\"$((2 * npass))\"" || fail "clicking a highlight did not flash its partner"
echo "$body2" | grep -q 'data-click-bad="0"' || fail "some highlights have no partner"

# Document text stayed text.
grep -o '<html[^>]*>' "$tmp/dom.html" | grep -q 'data-pwned' && fail "document markup was executed"
grep -q '<title>overlap report</title>' "$tmp/dom.html" || fail "document script changed the title"
grep -q '&lt;script&gt;document.title=' "$tmp/dom.html" || fail "escaped document text missing"
[ "$(grep -c '<script>' "$tmp/report.html")" -eq 1 ] || fail "more than one script element in the report"
if grep -Eq '(src|href)="(https?:)?//' "$tmp/report.html"; then fail "the report references the network"; fi
echo "ok: $npass passages, $npass highlight pairs"
exit 0
