"""Page-break faults of a built PDF, read from its own text (poppler's ``pdftotext -bbox-layout``).

``python tests/pdf_pages.py BOOK.pdf`` prints each fault with its page and a count per kind;
``tests/test_pdf.py`` and ``tests/test_pdf_zh.py`` assert the counts. A line is *code* when
every word on it is as wide as its characters in DejaVu Sans Mono (8 pt or the smaller 6.4 pt:
4.82 or 3.85 pt a character); a *heading* is a line taller than the 11 pt text.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

NS = "{http://www.w3.org/1999/xhtml}"
#: The text area of the A4 page (1 in margins): the running head is above, the folio below.
TOP, BOTTOM = 70.0, 772.0
#: Points a character of code advances: 8 pt and 6.4 pt DejaVu Sans Mono (0.602 em).
MONO = (0.602 * 8.0, 0.602 * 6.4)
EXERCISE = re.compile(r"^(Exercise|练习|习题|Solution to Exercise) ?\d+\.\d+")
HEADING = re.compile(r"^(\d+\.\d+(\.\d+)? \S|Solutions$|习题解答$)")
CONTINUES = re.compile(r"continues on next page|续下页")
CONTINUED = re.compile(r"continued from previous page|接上页|续上页")
FIGURE = re.compile(r"^(Fig\. ?|图 ?)\d+\.\d+")
SOLUTION_LINK = re.compile(r"^(Solution on page|解答见第)")
#: A page that ends with more blank than this is counted (unless a chapter ends there).
BLANK = 120.0


@dataclass
class Line:
    text: str
    top: float
    bottom: float
    code: bool
    height: float
    left: float = 0.0


def _is_code(words: list[tuple[str, float]], height: float) -> bool:
    if not words or (len(words) == 1 and len(words[0][0]) < 4 and height > 9.5):
        return False
    for text, width in words:
        per = width / max(len(text), 1)
        if not any(abs(per - mono) < 0.04 * mono for mono in MONO):
            return False
    return True


def pages(pdf: Path) -> list[list[Line]]:
    """The body lines of every page, top to bottom (running head and folio left out)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    root = ElementTree.fromstring(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", xml))
    out = []
    for page in root.iter(f"{NS}page"):
        lines = []
        for line in page.iter(f"{NS}line"):
            top, bottom = float(line.get("yMin")), float(line.get("yMax"))
            if bottom < TOP or top > BOTTOM:
                continue
            words = [
                (w.text or "", float(w.get("xMax")) - float(w.get("xMin")))
                for w in line.iter(f"{NS}word")
            ]
            text = " ".join(t for t, _ in words)
            code = _is_code(words, bottom - top)
            lines.append(Line(text, top, bottom, code, bottom - top, float(line.get("xMin"))))
        lines.sort(key=lambda x: x.top)
        out.append(lines)
    return out


def _code_run(lines: list[Line], from_end: bool) -> int:
    """The code lines of one block at the end (or start) of a page: a gap ends the block."""
    seq = list(reversed(lines)) if from_end else lines
    n = 0
    for k, line in enumerate(seq):
        gap = abs(line.top - seq[k - 1].top) if k else 12.0
        if not line.code or gap > 31.0:  # 10-14 pt a line, 25-29 over a blank line
            break
        n += gap > 2.0  # pdftotext may cut a line in two
    return n


def faults(pdf: Path) -> list[tuple[str, int, str]]:
    """(kind, page number from 1, the line) of every page-break fault."""
    book = pages(pdf)
    found = []
    for i, lines in enumerate(book):
        if not lines:
            continue
        last, page = lines[-1], i + 1
        following = book[i + 1] if i + 1 < len(book) else []
        opening = bool(following) and following[0].height > 15  # a chapter or part opens next
        if len(lines) <= 3:  # a part's title page
            continue
        # an exercise's header starts at the text's left edge (not in a table's cell)
        margin = min(line.left for line in lines)
        if EXERCISE.match(last.text) and last.left - margin < 40:
            found.append(("exercise header at a page foot", page, last.text))
        if last.height > 12.5 and HEADING.match(last.text):
            found.append(("heading at a page foot", page, last.text))
        if lines[0].text and SOLUTION_LINK.match(lines[0].text):
            found.append(("solution link alone at a page top", page, lines[0].text))
        if following and CONTINUES.search(last.text):  # Sphinx's note in a split code block
            # the block goes on after any page of floats (a figure) in between
            later = [b for b in book[i + 1 : i + 4] if b and CONTINUED.search(b[0].text)]
            rest = later[0] if later else following
            body = rest[1:] if CONTINUED.search(rest[0].text) else rest
            head, tail = _code_run(lines[:-1], True), _code_run(body, False)
            if min(head, tail) <= 4:
                found.append(("code split, 1-4 lines on a page", page, f"{head}+{tail} lines"))
        if following and not last.code and last.text.rstrip().endswith((":", "：")):
            if following[0].code:
                found.append(("colon on one page, its code on the next", page, last.text))
        figure = FIGURE.match(last.text)  # a page of floats ends where its figure does
        if following and not opening and not figure and BOTTOM - last.bottom > BLANK:
            found.append(("page ends > 120 pt short", page, f"{BOTTOM - last.bottom:.0f} pt"))
    return found


def main(argv: list[str]) -> int:
    for pdf in argv:
        found = faults(Path(pdf))
        for kind, page, line in found:
            print(f"{pdf}: p{page}: {kind}: {line[:90]}")
        print(pdf, dict(Counter(kind for kind, _, _ in found)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
