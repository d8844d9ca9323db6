"""Check the Chinese edition's message catalogues: complete, current, and with MyST intact.

A translated message is parsed by MyST like the English one, so everything that is markup in
the English must come through unchanged: each role with its target (``{term}`交叉熵
<cross-entropy>``` keeps the target ``cross-entropy``), each glue key with its format, each
``$...$`` formula, each inline code span and footnote reference, and the number of bold and
italic spans (bold whose inside starts or ends with punctuation, written next to a Chinese
character, is not bold in Markdown: ``**“熵”**的`` shows its asterisks; write ``“**熵**”的``).

Run ``python -m editions.catalogues [FILE.po ...]`` to list every problem (all catalogues when
no file is named); ``tests/test_translation.py`` runs the same checks on catalogues updated
from the current English. After changing the English, run
``python -m editions.catalogues --update`` (after a build, whose execution cache it reuses): it
regenerates the templates and merges them into the catalogues with ``sphinx-intl``, which marks
each changed message fuzzy and each removed one obsolete; translate those, then check again.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"

#: ``{role}`content```; the target is what follows the last ``<`` if the content has one.
ROLE = re.compile(r"\{([a-z:\-]*)\}`([^`]*)`")
MATH = re.compile(r"(?<!\\)\$([^$]+)\$")
FOOTNOTE = re.compile(r"\[\^([^\]]+)\]")
_markdown = MarkdownIt("commonmark")


def catalogues() -> list[Path]:
    """Every Chinese catalogue: one per page, and ``sphinx.po`` for the interface."""
    return sorted(LOCALE.rglob("*.po"))


def roles(message: str) -> Counter[tuple[str, str]]:
    """The roles of a message with their targets (glue: key and format; others: the target).

    A ``{web-only}`` role's content is prose, translated like the rest: only the role counts.
    """
    found: Counter[tuple[str, str]] = Counter()
    for name, content in ROLE.findall(message):
        if name == "web-only":
            found[(name, "")] += 1
            continue
        if name.startswith("cite"):  # "{cite:t}`x`" may become "香农 {cite:p}`x`": same work
            name = "cite"
        explicit = re.fullmatch(r"(.*\S)\s*<([^<>]+)>", content, flags=re.DOTALL)
        target = explicit.group(2) if explicit and not name.startswith("glue") else content
        found[(name, target.strip())] += 1
    return found


def _without_roles(message: str) -> str:
    return ROLE.sub("ROLE", message)


#: Greek letters a translation may write as the character itself: matplotlib's mathtext draws
#: ``$\\pi$`` as the glyph π, so a figure's translated text (figures.po) carries π.
GREEK = {r"\pi": "π", r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\tau": "τ", r"\rho": "ρ"}


def formulas(message: str) -> Counter[str]:
    """The inline formulas ``$...$`` of a message, whitespace- and Greek-normalised."""
    found = []
    for formula in MATH.findall(_without_roles(message)):
        for command, letter in GREEK.items():
            formula = re.sub(re.escape(command) + r"(?![A-Za-z])", letter, formula)
        found.append(" ".join(formula.split()))
    return Counter(found)


def inline_markup(message: str) -> Counter[str]:
    """How many bold and italic spans Markdown finds in a message, and its code spans.

    Emphasis is counted with every role replaced by a role of the same shape (``{r}`r```): a
    role starts with ``{``, which Markdown counts as punctuation, so ``**{term}`熵`**的`` is
    not bold. Code spans are counted outside roles.
    """
    counts: Counter[str] = Counter()
    for block in _markdown.parseInline(ROLE.sub("{r}`r`", message)):
        for token in block.children or []:
            if token.type in ("strong_open", "em_open"):
                counts[token.type] += 1
    for block in _markdown.parseInline(_without_roles(message)):
        for token in block.children or []:
            if token.type == "code_inline":
                counts["code:" + token.content] += 1
    counts.update(f"footnote:{name}" for name in FOOTNOTE.findall(message))
    return counts


def problems(entry: polib.POEntry) -> list[str]:
    """What is wrong with one translated message (empty when it is fine)."""
    if entry.obsolete:
        return ["obsolete (its English is gone): delete it"]
    if not entry.msgstr.strip():
        return ["not translated"]
    found = []
    if "fuzzy" in entry.flags:
        found.append("fuzzy: the English changed; update the translation, then drop the flag")
    source, target = entry.msgid, entry.msgstr
    for name, check in (("role", roles), ("formula", formulas), ("markup", inline_markup)):
        english, translated = check(source), check(target)
        missing, extra = english - translated, translated - english
        if missing or extra:
            found.append(f"{name} differs: missing {dict(missing)}, extra {dict(extra)}")
    return found


def report(path: Path) -> list[str]:
    """Every problem of one catalogue, one line each, with the message's start."""
    lines = []
    for entry in polib.pofile(str(path)):
        for problem in problems(entry):
            lines.append(f"{path.name}: {entry.msgid[:60]!r}: {problem}")
    return lines


def update(build_dir: Path, locale_dirs: Path) -> None:
    """Regenerate the templates from the current English and merge them into the catalogues."""
    build = [sys.executable, "-m", "editions.build", "--path-output", str(build_dir)]
    options = ["--language", "en", "--builder", "gettext", "--keep-cache"]
    intl = [sys.executable, "-m", "sphinx_intl", "update", "-l", "zh_CN", "-w", "0"]
    paths = ["-p", str(build_dir / "_build" / "gettext" / "templates"), "-d", str(locale_dirs)]
    for command in ([*build, *options], [*intl, *paths]):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if result.returncode:
            log = (result.stdout + result.stderr)[-3000:]
            raise RuntimeError(f"{' '.join(command[1:4])} failed:\n{log}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m editions.catalogues",
        description="List every untranslated, fuzzy, obsolete or broken message.",
    )
    parser.add_argument("files", nargs="*", type=Path, help="catalogues to check (default: all)")
    parser.add_argument(
        "--update",
        action="store_true",
        help="first regenerate the templates from the English and merge them (sphinx-intl)",
    )
    args = parser.parse_args(argv)
    if args.update:
        update(ROOT, ROOT / "locales")
    paths = args.files or catalogues()
    lines = [line for path in paths for line in report(path)]
    print("\n".join(lines) or f"{len(paths)} catalogue(s): every message translated and intact")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
