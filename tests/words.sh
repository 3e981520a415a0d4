# words.sh - seeded words for the shell tests' corpora (sourced): awk's own generator, seeded (the LCG of scan.sh's words() repeats runs across seeds), and a template's pages.
# n words of seed s, a full stop and a new line after every 12th.
rwords() { awk -v s="$1" -v n="$2" 'BEGIN { srand(s); for (w = 0; w < n; w++)
  printf "r%d%s", int(rand() * 1000000), (w % 12 == 11 ? ".\n" : " ") }'; }
# The same on one line.
line() { rwords "$1" "$2" | tr '\n' ' ' | sed 's/ *$//'; }
# A template whose first window differs from page to page (the gcloud list flags: a heading
# and a flag line, then a short paragraph A and the body B1 B2), as what comes before it
# differs: after a long paragraph the heading, the flag and A are one window (100 pages);
# after a short paragraph of the page's own that leaves no room for A, A is a window alone
# (100); after two short lines of a location flag, those lines, the heading, the flag and A
# are one (60). 260 pages in directory $1, the template's parts A, B1 and B2 in $2.
template_pages() {
  mkdir -p "$1" "$2"
  line 101 24 >"$2/A"; rwords 102 40 >"$2/B1"; rwords 103 40 >"$2/B2"
  for d in $(seq 0 259); do
    { rwords $((31000 + d)) 150; echo; echo
      [ "$d" -ge 100 ] && [ "$d" -lt 200 ] && { line $((32000 + d)) 24; echo; echo; }
      [ "$d" -ge 200 ] && { echo "To set the location attribute:"; echo; echo "provide the argument --location on the command line."; echo; }
      echo "LIST COMMAND FLAGS"; echo; echo "--filter=EXPRESSION"; echo
      for x in A B1 B2; do cat "$2/$x"; echo; echo; done
      rwords $((33000 + d)) 150; } >"$1/l$(printf %03d "$d").txt"
  done
}
