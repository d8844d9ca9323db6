"""The Chinese catalogues are complete and current: a changed English sentence fails here.

The templates are regenerated from the current sources (Sphinx's gettext builder, reusing the
session build's execution cache) and merged into a copy of ``locales/`` with sphinx-intl, as a
translator would; then every message of every catalogue must be translated, not fuzzy, not
obsolete, and keep the English message's roles, glue keys, formulas, code and emphasis.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from test_book_build import toc_files

from conftest import ROOT
from editions.catalogues import LOCALE, problems, report, roles, update
from editions.i18n import glue_from_page, terminology


@pytest.fixture(scope="session")
def current_catalogues(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the catalogues, updated from templates of the current English sources."""
    locales = tmp_path_factory.mktemp("locales") / "locales"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    update(built_site.parent.parent, locales)
    return locales / "zh_CN" / "LC_MESSAGES"


def test_every_page_of_the_book_has_a_catalogue(current_catalogues: Path) -> None:
    for doc in toc_files():
        assert (current_catalogues / f"{doc}.po").is_file(), f"{doc} has no Chinese catalogue"


def test_the_committed_catalogues_are_the_current_ones(current_catalogues: Path) -> None:
    """Regenerating from the English changes no message: nothing new, fuzzy or obsolete."""
    for path in sorted(current_catalogues.rglob("*.po")):
        committed = LOCALE / path.relative_to(current_catalogues)
        ours = {(e.msgid, e.msgstr) for e in polib.pofile(str(committed)) if not e.obsolete}
        current = {(e.msgid, e.msgstr) for e in polib.pofile(str(path)) if not e.obsolete}
        assert current == ours, (
            f"{committed.name} is out of date with the English: run "
            f"`python -m editions.catalogues --update`, translate, check "
            f"(first difference: {sorted(current ^ ours)[0][0][:80]!r})"
        )


def test_every_message_is_translated_and_intact(current_catalogues: Path) -> None:
    lines = [line for path in sorted(current_catalogues.rglob("*.po")) for line in report(path)]
    assert not lines, f"{len(lines)} problems, e.g.:\n" + "\n".join(lines[:10])


def test_alt_text_and_captions_are_in_the_catalogues(current_catalogues: Path) -> None:
    """Figures' alt text reaches the catalogues (myst-nb renders images for gettext too)."""
    entries = polib.pofile(str(current_catalogues / "chapters" / "02_entropy.po"))
    alt = [e for e in entries if e.msgid.startswith("A hump-shaped curve")]
    assert alt and all(e.msgstr and not e.fuzzy for e in alt), "chapter 2's alt text is missing"


def test_the_checker_catches_broken_markup() -> None:
    english = "The **{term}`entropy`** is {glue:text}`h:.3f` bits, $H(p)$, `xent.info`[^n]."
    good = "**{term}`熵 <entropy>`** 为 {glue:text}`h:.3f` 比特，$H(p)$，`xent.info`[^n]。"
    assert not problems(polib.POEntry(msgid=english, msgstr=good))
    broken = {
        "bold beside CJK": good.replace("为", "").replace("** ", "**为"),
        "glue format": good.replace("h:.3f", "h:.2f"),
        "term target": good.replace("<entropy>", "<熵>"),
        "formula": good.replace("$H(p)$", "$H(q)$"),
        "code": good.replace("`xent.info`", "xent.info"),
        "footnote": good.replace("[^n]", ""),
    }
    for what, msgstr in broken.items():
        assert problems(polib.POEntry(msgid=english, msgstr=msgstr)), f"missed: {what}"
    assert roles("{term}`交叉熵 <cross-entropy>`") == roles("{term}`cross-entropy`")


def test_glue_in_a_translation_points_at_its_page() -> None:
    message = "{glue:text}`a:.2f` 与 {glue:text}`n` 与 {glue:text}`other.md::b:.1f`"
    assert glue_from_page(message, "/book/chapters/05_x.md") == (
        "{glue:text}`05_x.md::a:.2f` 与 {glue:text}`05_x.md::n:s` 与 {glue:text}`other.md::b:.1f`"
    )


def test_terminology_table_is_complete() -> None:
    rows = terminology()
    assert len(rows) >= 60
    assert all(row["English"].strip() and row["中文"].strip() for row in rows)
    english = [row["English"].lower() for row in rows]
    assert len(english) == len(set(english)), "a term is listed twice"
    chosen = {row["English"]: row["中文"] for row in rows}
    assert chosen["cross-entropy"] == "交叉熵" and chosen["KL divergence"] == "KL 散度"
