"""The 404 page of each site (editions/i18n.py, write_not_found_page), English and Chinese.

A reader who follows a dead link gets a page in the site's language (and a line in the other)
that offers the first page, the search and every chapter, with links that work offline (relative
to the page) and, where the host serves it for a deeper missing address, point at the site.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from test_book_build import toc_files

from editions.i18n import not_found_page

HAN = re.compile(r"[\u4e00-\u9fff]")


def _page(site: Path) -> BeautifulSoup:
    path = site / "404.html"
    assert path.is_file(), f"no 404.html in {site}"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_not_found_page_in_its_language(
    built_site: Path, built_site_zh: Path, language: str
) -> None:
    site = built_site if language == "en" else built_site_zh
    soup = _page(site)
    assert soup.html["lang"] == language.replace("_", "-")
    title = soup.select_one("h1").get_text()
    assert "404" in title
    if language == "en":
        assert "not found" in title and not HAN.search(title)
    else:
        assert "找不到" in title and not re.search(r"[A-Za-z]{3}", title)
    other = soup.select_one(".other")
    assert other["lang"] == ("zh-CN" if language == "en" else "en")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_not_found_links_work_offline(built_site: Path, built_site_zh: Path, language: str) -> None:
    site = built_site if language == "en" else built_site_zh
    soup = _page(site)
    links = [a["href"] for a in soup.select("a[href]")]
    assert len(links) >= len(toc_files()) + 2  # first page, every page of the book, other language
    for href in links:
        assert not urlparse(href).scheme and not href.startswith("/"), href
        target = (site / urlparse(href).path).resolve()
        assert target.is_file(), f"404.html links to {href}, which is not in the site"
    form = soup.select_one("form[role=search]")
    assert (site / form["action"]).is_file()
    assert form.select_one("input[name=q]") is not None
    chapters = {a.get_text() for a in soup.select("ul a")}
    assert len(chapters) == len(toc_files())


def test_not_found_page_points_at_the_site_when_served_deeper() -> None:
    html = not_found_page("en", [("chapters/intro.html", "Intro")], "zh/x.html", "https://a/b/")
    script = html[html.index("<script>") : html.index("</script>")]
    assert '"https://a/b/"' in script and "a[data-site]" in script and "search.html" in script
