"""The Chinese site's search, queried the way Chinese readers type (issue 21).

Readers write compound terms without spaces ("KL散度", "交叉熵损失") and use the names other
Chinese textbooks use ("信息熵", "极大似然估计"). The index holds the words jieba cut the pages
into; ``editions/templates/xent-query-zh.js`` cuts each query the same way, after replacing the
synonyms of ``locales/zh_CN/terminology.csv`` (column 又称) by the book's terms. Each query here
must find the chapter that teaches it, in the browser, on the built site.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from editions.i18n import search_synonyms, terminology

#: A query as readers type it, and the chapter that teaches it (which must be among the
#: results; where one chapter is about the term, the first chapter listed).
QUERIES = {
    "KL散度": ("03_kl_and_cross_entropy", True),
    "交叉熵损失": ("06_pytorch_equivalence", False),
    "交叉熵代价函数": ("05_learning_slowdown", False),
    "二次代价函数": ("05_learning_slowdown", False),
    "梯度消失": ("05_learning_slowdown", False),
    "独立同分布": ("04_maximum_likelihood", False),
    "最大似然估计": ("04_maximum_likelihood", True),
    "极大似然估计": ("04_maximum_likelihood", True),
    "信息熵": ("02_entropy", True),
    "香农熵": ("02_entropy", True),
    # chapter 1 cites him as "Shannon (1948)"; chapter 2 is the first to write 香农
    "香农": ("02_entropy", False),
    "惊异": ("01_information", False),
    "纳特": ("01_information", False),
    "分对数": ("06_pytorch_equivalence", False),
    "拉普拉斯平滑": ("08_language_models", True),
    "对数损失": ("03_kl_and_cross_entropy", False),
    "logistic 损失": ("05_learning_slowdown", False),
    "0-1 分布": ("05_learning_slowdown", False),
    "经验风险": ("04_maximum_likelihood", False),
}


def test_every_synonym_names_a_term_of_the_table() -> None:
    terms = {row["中文"] for row in terminology()}
    pairs = search_synonyms()
    assert len(pairs) >= 15
    assert all(ours in terms and theirs not in terms for theirs, ours in pairs), pairs
    assert [len(theirs) for theirs, _ in pairs] == sorted((len(t) for t, _ in pairs), reverse=True)


def found_chapters(browser: Any, url: str) -> list[str]:
    """The chapters a search lists, in order (the page waits until the search has finished)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(
            "() => { const s = document.querySelector('#search-results p.search-summary');"
            " return s && s.textContent.trim().length > 0; }",
            timeout=60_000,
        )
        hrefs = page.evaluate(
            "() => [...document.querySelectorAll('#search-results ul.search li > a')]"
            ".map(a => a.getAttribute('href'))"
        )
    finally:
        context.close()
    names = [re.search(r"(\d\d_[a-z_]+)\.html", h) for h in hrefs]
    return list(dict.fromkeys(m.group(1) for m in names if m))


@pytest.mark.parametrize("query", QUERIES)
def test_a_query_as_typed_finds_the_chapter_that_teaches_it(
    site_zh: Any, browser: Any, query: str
) -> None:
    chapter, first = QUERIES[query]
    chapters = found_chapters(browser, f"{site_zh.url}search.html?q={query}")
    assert chapter in chapters, f"searching for {query!r} finds {chapters}, not {chapter}"
    if first:
        assert chapters[0] == chapter, f"searching for {query!r} lists {chapters} ({chapter} first)"
