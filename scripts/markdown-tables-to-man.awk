# Markdown tables (`rustbtf pahole-flags`) as man page lists: each table gets a .SS heading (its
# first column's title) and each row a .TP entry, the first cell as the tag, so that man shows
# readable paragraphs instead of raw `| … |` rows. Other lines pass through as roff text.
# Used by scripts/package.sh; tested by scripts/package-test.sh (no `|` row survives).

# Roff-safe text: backslashes doubled as \e, hyphens as \-, code spans bold.
function roff(text,    out) {
  gsub(/\\/, "\\e", text)
  gsub(/-/, "\\-", text)
  out = ""
  while (match(text, /`[^`]*`/)) {
    out = out substr(text, 1, RSTART - 1) "\\fB" substr(text, RSTART + 1, RLENGTH - 2) "\\fR"
    text = substr(text, RSTART + RLENGTH)
  }
  return out text
}

function cells(line, parts,    n, i) {
  sub(/^[ \t]*\|/, "", line)
  sub(/\|[ \t]*$/, "", line)
  n = split(line, parts, /\|/)
  for (i = 1; i <= n; i++) { gsub(/^[ \t]+|[ \t]+$/, "", parts[i]) }
  return n
}

/^[ \t]*\|/ {
  n = cells($0, c)
  if (!inTable) {  # the header row
    inTable = 1
    for (i = 1; i <= n; i++) header[i] = c[i]
    print ".SS \"" roff(header[1]) "\""
    next
  }
  if (c[1] ~ /^-+$/) next  # the |---|---| rule
  print ".TP"
  print roff(c[1])
  if (n == 4) {
    # `--btf_features` feature | in pahole's default | rustbtf | what it does
    print "\\fI" roff(c[3]) "\\fR" (c[2] == "yes" ? " (in pahole's default set)" : "") ": " roff(c[4])
  } else {
    body = "\\fI" roff(c[2]) "\\fR"
    for (i = 3; i <= n; i++) body = body (i == 3 ? ": " : "; ") roff(c[i])
    print body
  }
  next
}

{ inTable = 0 }
/^[ \t]*$/ { next }
{ line = roff($0); if (line ~ /^[.']/) line = "\\&" line; print line }
