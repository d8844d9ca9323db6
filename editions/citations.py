"""Citations by author and year, in the text and in the bibliography alike (a Sphinx extension).

sphinxcontrib-bibtex formats a citation in the text with its *reference style* and an entry of
the bibliography with a pybtex *formatting style*, whose label style is ``alpha`` by default:
the text read "[Shannon, 1948]" while the bibliography listed "[Sha48]". This extension
registers both halves as one:

* the reference style ``xent`` (``bibtex_reference_style``): sphinxcontrib-bibtex's author-year
  style, with ``{cite}``/``{cite:p}`` printing "[Shannon, 1948]" (several works separated by
  semicolons) and ``{cite:t}`` printing "Shannon (1948)", for a sentence whose subject is the
  author ("Shannon (1948) proved ...": the name is printed once);
* the pybtex formatting style ``xent`` (``bibtex_default_style``): pybtex's ``plain`` entries
  sorted by author, year and title, each labelled by the very template that prints the
  citation in the text, so the bibliography's label is "Shannon, 1948" too.

Every edition takes both from Sphinx's resolved doctree: the website, both PDFs and the
notebooks (:mod:`editions.markdown`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pybtex.plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join, year

__all__ = [
    "AuthorYearLabelStyle",
    "AuthorYearSortingStyle",
    "BibliographyStyle",
    "ReferenceStyle",
    "label",
]

#: The name of both styles, as ``_config.yml`` names them.
NAME = "xent"


def _parenthetical() -> BracketStyle:
    return BracketStyle(left="[", right="]", sep="; ")


def _textual() -> BracketStyle:
    return BracketStyle(left="(", right=")", sep="; ")


@dataclass
class ReferenceStyle(AuthorYearReferenceStyle):
    """Author-year citations: "[Shannon, 1948]" (``{cite}``), "Shannon (1948)" (``{cite:t}``)."""

    bracket_parenthetical: BracketStyle = field(default_factory=_parenthetical)
    bracket_textual: BracketStyle = field(default_factory=_textual)


#: The one reference style the labels are printed with, as in the text.
_REFERENCE = ReferenceStyle()
_LABEL = join(sep=_REFERENCE.author_year_sep)[
    _REFERENCE.person.author_or_editor_or_title(full=False), year
]


def label(entry: Any) -> str:
    """The label of a pybtex ``entry``: its parenthetical citation's text without brackets.

    Examples
    --------
    >>> from pybtex.database import parse_string
    >>> bib = parse_string(
    ...     "@article{s, author={Shannon, Claude E.}, title={A}, year={1948}}"
    ...     "@book{a, author={Acz{\\\\'e}l, J. and Dar{\\\\'o}czy, Z.}, title={B}, year={1975}}"
    ...     "@misc{h, author={Hinton, G. and Vinyals, O. and Dean, J.}, title={C}, year={2015}}",
    ...     "bibtex",
    ... )
    >>> [label(bib.entries[key]) for key in "sah"]
    ['Shannon, 1948', 'Aczél and Daróczy, 1975', 'Hinton et al., 2015']
    """
    data = {"entry": entry, "style": _REFERENCE}
    return _LABEL.format_data(data).render_as("text")


class AuthorYearLabelStyle(BaseLabelStyle):
    """pybtex labels "Shannon, 1948", as the text cites the work."""

    def format_labels(self, sorted_entries):  # type: ignore[no-untyped-def]
        for entry in sorted_entries:
            yield label(entry)


class AuthorYearSortingStyle(BaseSortingStyle):
    """Entries in the order of their labels: by the cited names, then the year, then the title."""

    def sorting_key(self, entry):  # type: ignore[no-untyped-def]
        names, _, when = label(entry).rpartition(_REFERENCE.author_year_sep)
        plain = unicodedata.normalize("NFKD", names).encode("ascii", "ignore").decode()
        return plain.casefold(), when, entry.fields.get("title", "").casefold()


class BibliographyStyle(PlainStyle):
    """pybtex's ``plain`` entries, labelled and sorted by author and year."""

    default_label_style = AuthorYearLabelStyle
    default_sorting_style = AuthorYearSortingStyle


def register() -> None:
    """Make both styles known by the name ``xent`` (before sphinxcontrib-bibtex looks them up)."""
    register_plugin("sphinxcontrib.bibtex.style.referencing", NAME, ReferenceStyle, force=True)
    pybtex.plugin.register_plugin("pybtex.style.formatting", NAME, BibliographyStyle, force=True)


def setup(app: Any) -> dict[str, Any]:
    register()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
