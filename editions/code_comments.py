"""Code comments of the notebook edition in the reader's language (the Chinese notebooks).

The chapters' code is executed once, in English, and both sites show that code; the Chinese
notebooks (``_build/html/zh/_sources/*.ipynb``) say its comments in Chinese, as d2l-zh does: each
comment of a code cell is a message of the gettext catalogue
``locales/<language>/notebook_comments.po`` (a run of whole-line comments is one message, its
lines joined by spaces; a comment after code is one message), and the notebook edition replaces
it by its translation, wrapped to the line width. Only comments change: the code is the code that
ran. After changing a comment in a chapter (or the setup cell), run

    python -m editions.code_comments            # merge new comments into the catalogue
    python -m editions.code_comments --check    # list comments still untranslated

and translate what it lists; ``tests/test_code_comments_zh.py`` fails while one is missing.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Comments that are instructions to a tool, not to a reader: never translated.
PRAGMA = re.compile(r"^(noqa|type:|fmt:|pragma|pylint:|ruff:|isort:|%%)", re.IGNORECASE)


def catalogue_path(language: str, root: Path = ROOT) -> Path:
    """Where the comments' translations into ``language`` are."""
    return root / "locales" / language / "notebook_comments.po"


@dataclass(frozen=True)
class Comment:
    """One message: lines ``first``..``last`` (0-based) of a cell, from column ``column``."""

    first: int
    last: int
    column: int
    text: str
    inline: bool


def comments(source: str) -> list[Comment]:
    """The comments of a code cell's ``source``, a run of whole-line comments as one.

    Examples
    --------
    >>> [c.text for c in comments("# one\\n# two\\nx = 1  # three\\n")]
    ['one two', 'three']
    >>> comments("s = '# not a comment'")
    []
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    lines = source.splitlines()
    found: list[Comment] = []
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        row, column = token.start[0] - 1, token.start[1]
        text = token.string.lstrip("#").strip()
        if not text or PRAGMA.match(text) or not re.search(r"[A-Za-z]{2}", text):
            continue
        if re.search(r"[\u4e00-\u9fff]", text):  # already in Chinese (the setup cell's)
            continue
        inline = bool(lines[row][:column].strip())
        previous = found[-1] if found else None
        if (
            not inline
            and previous is not None
            and not previous.inline
            and previous.last == row - 1
            and previous.column == column
        ):
            found[-1] = Comment(previous.first, row, column, f"{previous.text} {text}", False)
        else:
            found.append(Comment(row, row, column, text, inline))
    return found


def _wrap(text: str, width: int) -> list[str]:
    """``text`` cut into lines about ``width`` columns wide (a Chinese character counts 2)."""
    tokens = re.findall(r"[\x21-\x7e]+ ?|\s|[^\x00-\x7f]", text)
    lines, line, size = [], "", 0
    for token in tokens:
        wide = sum(2 if ord(c) > 0x7F else 1 for c in token)
        if line and size + wide > width and not re.match(r"[，。；：、）」』”]", token):
            lines.append(line.rstrip())
            line, size = "", 0
        line, size = line + token, size + wide
    lines.append(line.rstrip())
    return [x for x in lines if x]


def translate_source(source: str, translations: dict[str, str], width: int = 88) -> str:
    """``source`` with each comment that ``translations`` knows said in its language.

    Examples
    --------
    >>> translate_source("x = 1  # one\\n# two\\n", {"one": "一", "two": "二"})
    'x = 1  # 一\\n# 二\\n'
    """
    lines = source.split("\n")
    for comment in reversed(comments(source)):
        translated = translations.get(comment.text)
        if not translated:
            continue
        if comment.inline:
            line = lines[comment.first]
            lines[comment.first] = line[: comment.column] + "# " + translated
            continue
        indent = " " * comment.column
        wrapped = _wrap(translated, max(40, width - comment.column - 2))
        lines[comment.first : comment.last + 1] = [f"{indent}# {part}" for part in wrapped]
    return "\n".join(lines)


def translations(language: str, root: Path = ROOT) -> dict[str, str]:
    """The translated comments of ``language`` (msgid -> msgstr; untranslated ones left out).

    Read with Babel (Sphinx's own dependency), so that building the book needs nothing more.
    """
    from babel.messages.pofile import read_po

    path = catalogue_path(language, root)
    if language == "en" or not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    return {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}


def translate_notebook(notebook, language: str, root: Path = ROOT):
    """``notebook`` (changed in place, and returned) with its code comments in ``language``."""
    known = translations(language, root)
    if known:
        for cell in notebook.cells:
            if cell.get("cell_type") == "code":
                cell.source = translate_source(cell.source, known)
    return notebook


def chapter_sources(root: Path = ROOT) -> dict[str, list[str]]:
    """The code cells of every chapter in the book's table of contents, and the setup cell."""
    from editions.notebooks import OPTIONAL, _setup_source, toc_chapters

    out: dict[str, list[str]] = {}
    for doc in toc_chapters(root):
        text = (root / f"{doc}.md").read_text(encoding="utf-8")
        cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
        out[doc] = [
            re.sub(r"\A(?:---\n.*?\n---\n|(?::\w[^\n]*\n)+)", "", c, flags=re.DOTALL) for c in cells
        ]
    out["setup cell"] = [_setup_source("0.0.0", list(OPTIONAL), "zh_CN")]
    return out


def messages(root: Path = ROOT) -> dict[str, str]:
    """Every comment of the notebooks, with where it is (for the catalogue's ``#:`` lines)."""
    found: dict[str, str] = {}
    for doc, sources in chapter_sources(root).items():
        for source in sources:
            for comment in comments(source):
                found.setdefault(comment.text, doc)
    return found


def update(language: str = "zh_CN", root: Path = ROOT) -> list[str]:
    """Merge the current comments into ``language``'s catalogue; return the untranslated ones."""
    import polib

    path = catalogue_path(language, root)
    po = polib.pofile(str(path)) if path.is_file() else polib.POFile()
    po.metadata = po.metadata or {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": language,
    }
    current = messages(root)
    old = {e.msgid: e for e in po}
    fresh = polib.POFile()
    fresh.metadata = po.metadata
    for msgid, where in current.items():
        entry = old.get(msgid) or polib.POEntry(msgid=msgid, msgstr="")
        entry.occurrences = [(where, "")]
        entry.obsolete = False
        fresh.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh.save(str(path))
    return [e.msgid for e in fresh if not e.msgstr]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m editions.code_comments",
        description="Merge the chapters' code comments into the catalogue; list untranslated ones.",
    )
    parser.add_argument(
        "--check", action="store_true", help="only list untranslated comments (exit 1 if any)"
    )
    args = parser.parse_args(argv)
    if args.check:
        known = translations("zh_CN")
        missing = [m for m in messages() if m not in known]
    else:
        missing = update()
    for message in missing:
        print(message)
    print(f"{len(missing)} comments to translate", file=sys.stderr)
    return 1 if missing and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
