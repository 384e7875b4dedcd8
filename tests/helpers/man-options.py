#!/usr/bin/env python3
"""man-options.py PAGE: the options a tool's man page documents, one a line
as "-x --long" (either may be "-" when the page has no such spelling).

It reads the .It lines of the page's option lists, in the three spellings
the pages use: "Fl x , Fl \\-long", "Fl x , Fl -long", "Fl x , Fl Fl long".
Used by tests/bats/096-man-match.bats.
"""
import re
import sys


def options(text):
    seen = []
    for line in text.splitlines():
        if not line.startswith(".It Fl "):
            continue
        words = line.split()[1:]
        short = long_ = "-"
        i = 0
        while i < len(words):
            if words[i] == "Fl" and i + 1 < len(words):
                w = words[i + 1]
                if w == "Fl" and i + 2 < len(words):
                    long_ = "--" + words[i + 2]
                    i += 3
                    continue
                w = w.replace("\\-", "-")
                if w.startswith("-"):
                    long_ = "-" + w
                elif re.fullmatch(r"[A-Za-z0-9]", w):
                    short = "-" + w
            i += 1
        if (short, long_) != ("-", "-") and (short, long_) not in seen:
            seen.append((short, long_))
    return seen


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        for short, long_ in options(f.read()):
            print(short, long_)


if __name__ == "__main__":
    main()
