#!/usr/bin/env python3
"""bench/record.py SECTION [FILE] — add the entry read from standard input at
the end of the "## SECTION" part of bench/RESULTS.md (or FILE), creating the
part at the end of the file when it is missing, and echo the entry. Every
bench/*/run.sh records through this, so entries land under their own
heading whatever order the benchmarks run in."""
import re
import sys

HEADER = ("# Benchmark results\n\nEach entry names the machine, the date and the reference "
          "measured in the same run; bench/*/run.sh add them through bench/record.py.\n")


def insert(section, entry, path="bench/RESULTS.md"):
    try:
        text = open(path).read()
    except FileNotFoundError:
        text = HEADER
    entry = entry.strip("\n") + "\n"
    m = re.search(r"^## %s\b.*$" % re.escape(section), text, re.M)
    if not m:
        text = text.rstrip("\n") + "\n\n## %s\n\n%s" % (section, entry)
    else:
        nxt = re.search(r"^## ", text[m.end():], re.M)
        at = m.end() + nxt.start() if nxt else len(text)
        text = text[:at].rstrip("\n") + "\n\n" + entry + ("\n" + text[at:] if nxt else "")
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: bench/record.py SECTION [FILE] < entry.md")
    entry = sys.stdin.read()
    sys.stdout.write(entry)
    if entry.strip():
        insert(sys.argv[1], entry, sys.argv[2] if len(sys.argv) == 3 else "bench/RESULTS.md")
