"""Build Vägvisare's bundled Swedish thesaurus (data/thesaurus-sv.txt) from Debian's mythes-sv.

    apt-get download mythes-sv && dpkg-deb -x mythes-sv_*.deb mythes
    python3 scripts/build_thesaurus.py mythes/usr/share/mythes/th_sv_SE_v2.dat \
        --out data/thesaurus-sv.txt

The input is LibreOffice's Swedish thesaurus as Debian packages it (source package
libreoffice-dictionaries, version 1:7.5.0-1): Viggo Kann's synonym list of 2009, under a
permissive licence that asks for its notice on every copy and a notice of modification (both are
written at the head of the output). The output is Vägvisare's synonym-file format, one line a
headword: `word => synonym, synonym`, both ways (a word finds its synonyms and each synonym finds
the word). Kept: single words of letters (and inner hyphens), three letters or more, lower-case
NFC; multi-word entries are dropped, since the synonym format holds single words. Deterministic:
the lines and the synonyms on each are sorted.
"""
import argparse
import re
import unicodedata

WORD = re.compile(r"^[a-zåäöéü]+(?:-[a-zåäöéü]+)*$")

NOTICE = """\
# Vägvisare's bundled thesaurus: the Swedish synonyms Vägvisare adds to a typed word at a lower
# weight than the portal's own synonym file (Weights::thesaurus). Built by
# scripts/build_thesaurus.py from Debian's mythes-sv 1:7.5.0-1 (LibreOffice's th_sv_SE_v2.dat).
#
# Copyright 2009 Viggo Kann.
# THIS MATERIAL IS PROVIDED AS IS, WITH ABSOLUTELY NO WARRANTY EXPRESSED
# OR IMPLIED.  ANY USE IS AT YOUR OWN RISK.
#
# Permission is hereby granted to use or copy this program
# for any purpose,  provided the above notices are retained on all copies.
# Permission to modify the code and to distribute modified code is granted,
# provided the above notices are retained, and a notice that the code was
# modified is included with the above copyright notice.
#
# Modified by the Vägvisare authors: converted to Vägvisare's synonym-file format, made
# symmetric, multi-word entries and words under three letters dropped, lower-cased.
"""


def norm(w):
    return unicodedata.normalize("NFC", w.strip().lower())


def read(path):
    """word -> set of its synonyms, both ways, single words only."""
    lines = open(path, encoding="iso-8859-1").read().split("\n")
    if lines[0].strip().upper() != "ISO-8859-1":
        raise SystemExit("%s: expected a MyThes file in ISO-8859-1" % path)
    syn = {}
    i = 1
    while i < len(lines):
        line = lines[i]
        if "|" not in line:
            i += 1
            continue
        head, n = line.rsplit("|", 1)
        n = int(n)
        head = norm(head)
        for meaning in lines[i + 1 : i + 1 + n]:
            for other in meaning.split("|")[1:]:
                other = norm(other)
                if other.startswith("(") or other == head:
                    continue
                if WORD.match(head) and WORD.match(other) and min(len(head), len(other)) >= 3:
                    syn.setdefault(head, set()).add(other)
                    syn.setdefault(other, set()).add(head)
        i += 1 + n
    return syn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dat", help="th_sv_SE_v2.dat of mythes-sv")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    syn = read(args.dat)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(NOTICE)
        for word in sorted(syn):
            f.write("%s => %s\n" % (word, ", ".join(sorted(syn[word]))))
    pairs = sum(len(s) for s in syn.values()) // 2
    print("%d words, %d synonym pairs -> %s" % (len(syn), pairs, args.out))


if __name__ == "__main__":
    main()
