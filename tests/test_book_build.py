"""The whole book builds strictly, and every page in the table of contents is sound."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ROOT


def toc_files() -> list[str]:
    """Every file named in _toc.yml, root first."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part["chapters"]]
    return files


def page(built_site: Path, doc: str) -> BeautifulSoup:
    path = built_site / f"{doc}.html"
    assert path.is_file(), f"{doc} in _toc.yml produced no page"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_toc_lists_existing_sources() -> None:
    for doc in toc_files():
        assert list(ROOT.glob(f"{doc}.*")), f"_toc.yml names {doc}, which has no source file"


@pytest.mark.parametrize("doc", toc_files())
def test_page_has_no_error_output(built_site: Path, doc: str) -> None:
    soup = page(built_site, doc)
    for cell in soup.select("div.cell.tag_raises-exception"):  # errors shown on purpose
        cell.decompose()
    text = soup.get_text()
    assert "Traceback (most recent call last)" not in text, f"{doc} shows a traceback"
    for cls in ("traceback", "stderr", "error"):
        bad = soup.select(f"div.cell_output .{cls}, div.output.{cls}")
        assert not bad, f"{doc} shows {cls} output: {bad[0].get_text()[:300]}"


@pytest.mark.parametrize("doc", toc_files())
def test_page_images_exist(built_site: Path, doc: str) -> None:
    soup = page(built_site, doc)
    html_file = built_site / f"{doc}.html"
    for img in soup.find_all("img"):
        src = img.get("src", "")
        if src.startswith("data:"):
            continue
        assert not urlparse(src).netloc, f"{doc} loads an image from another host: {src}"
        target = (html_file.parent / unquote(urlparse(src).path)).resolve()
        assert target.is_file(), f"{doc} references a missing image {src}"


@pytest.mark.parametrize("doc", toc_files())
def test_glued_values_were_filled_in(built_site: Path, doc: str) -> None:
    """A glue reference whose value was never computed renders as an error or its raw key."""
    text = page(built_site, doc).get_text()
    assert "{glue:" not in text, f"{doc} has an unrendered glue reference"


def chapter_files() -> list[str]:
    """The numbered chapters (front and back matter excluded)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [e["file"] for part in toc["parts"] if part.get("numbered") for e in part["chapters"]]


@pytest.mark.parametrize("doc", chapter_files())
def test_chapter_has_objectives_and_hidden_exercise_solutions(built_site: Path, doc: str) -> None:
    article = page(built_site, doc).select_one("article.bd-article")
    titles = [t.get_text(strip=True) for t in article.select(".admonition-title")]
    assert "Learning objectives" in titles, f"{doc} opens with no learning objectives"
    assert "Estimated time" in article.get_text(), f"{doc} gives no estimated time"
    exercises = article.select(".exercise")
    solutions = article.select(".solution")
    assert len(exercises) >= 4, f"{doc} has {len(exercises)} exercises; at least 4 are expected"
    assert len(solutions) >= len(exercises), f"{doc} has exercises without a solution"
    shown = [s.get_text(" ", strip=True)[:60] for s in solutions if "dropdown" not in s["class"]]
    assert not shown, f"{doc} shows solutions that should be hidden: {shown}"


@pytest.mark.parametrize("doc", chapter_files())
def test_every_figure_has_a_caption(built_site: Path, doc: str) -> None:
    article = page(built_site, doc).select_one("article.bd-article")
    for img in article.find_all("img"):
        figure = img.find_parent("figure")
        caption = figure.find("figcaption") if figure else None
        assert caption and caption.get_text(strip=True), (
            f"{doc}: an image has no caption: {img.get('alt', '')[:80]!r}"
        )
