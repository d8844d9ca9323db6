"""The Chinese edition's Sphinx plumbing (简体中文版): what is translated, and how it shows.

The translations are gettext catalogues in ``locales/zh_CN/LC_MESSAGES/`` (one per page,
``gettext_compact: false``), kept with ``sphinx-intl`` and checked by ``editions.catalogues``;
``python -m editions.build`` builds both languages (see the README). This extension:

* **Keeps glue and footnotes alive in translations.** Sphinx parses each translated message as
  a separate little document, which cannot see the notebook's glue data, so a
  ``{glue:text}`key``` would vanish: inside a message it is pointed at its page,
  ``{glue:text}`page.md::key``` (myst-nb's cross-document form). A footnote reference is one
  only where its definition is in the same document, so a stand-in definition is appended.
* **Offers prose only.** myst-nb renders images for the catalogue builder too, so figures'
  alt text is extracted. The API appendix's docstrings stay English (they are the code's own
  documentation, what ``help()`` shows in a notebook; the page's own prose is translated), and
  display equations are not messages: they read the same in Chinese.
* **Translates what Sphinx misses:** the part captions of the table of contents (inserted by
  sphinx-external-toc after Sphinx translated the page) and the site's title.
* **Links the two sites.** Every page's header gets a switcher to the same page in the other
  language (``templates/xent-language.html``). (Binder and Colab open this language's
  notebooks: ``editions.notebooks``.)
* **Searches Chinese.** Sphinx's Chinese search, with the terminology table as jieba's
  dictionary and one-character words (熵) kept.
* Shows the terminology table (``{terminology-table}``) on the Chinese glossary, and loads
  ``static/xent-demos-zh.js``, which translates the kernel-free demos in the reader's browser.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from docutils import nodes
from myst_parser.parsers.sphinx_ import MystParser
from sphinx import addnodes
from sphinx import locale as sphinx_locale
from sphinx.application import Sphinx
from sphinx.locale import get_translator
from sphinx.locale import init as init_locale
from sphinx.search.zh import SearchChinese
from sphinx.transforms import i18n
from sphinx.util.docutils import SphinxDirective
from sphinx.util.i18n import docname_to_domain

ROOT = Path(__file__).resolve().parents[1]
TERMINOLOGY = ROOT / "locales" / "zh_CN" / "terminology.csv"
#: Words inside formulas' \text{...}, English -> Chinese (a formula is code in the catalogues:
#: its translation must be the English formula, so the words are swapped when the page is built).
MATH_TEXT = ROOT / "locales" / "zh_CN" / "math_text.csv"
QUERY_SCRIPT = Path(__file__).with_name("templates") / "xent-query-zh.js"
TEMPLATES = Path(__file__).with_name("templates")

#: The book's languages: Sphinx language code -> (folder of its site in _build/html, name,
#: short name for a phone's header, title of the switcher's link).
LANGUAGES = {
    "en": ("", "English", "EN", "Read this page in English"),
    "zh_CN": ("zh", "中文", "中", "阅读本页的简体中文版"),
}

#: A glue role whose key names no document: ``{glue}`key```, ``{glue:text}`key:.3f```, ...
GLUE_ROLE = re.compile(r"(\{glue(?::[a-z]*)?\}`)(?![^`]*::)([^`]+`)")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")


def glue_from_page(msgstr: str, source_path: str) -> str:
    """Point every glue role of a translated message at the page the message comes from.

    >>> glue_from_page("{glue:text}`h:.3f` 比特，{glue:text}`n` 步", "chapters/02_entropy.md")
    '{glue:text}`02_entropy.md::h:.3f` 比特，{glue:text}`02_entropy.md::n:s` 步'
    """
    page = os.path.basename(source_path)

    def rewrite(match: re.Match[str]) -> str:
        role, content = match.group(1), match.group(2)[:-1]
        if role == "{glue:text}`" and ":" not in content:
            content += ":s"  # myst-nb reads "page::key" as key "page:" with format "key"
        return f"{role}{page}::{content}`"

    return GLUE_ROLE.sub(rewrite, msgstr)


_publish_msgstr = i18n.publish_msgstr
_get_filetype = i18n.get_filetype


def _filetype_of_a_message(source_suffix: Any, filename: str) -> str:
    """Parse a translated message as MyST Markdown, not as a whole notebook.

    A message is one paragraph: myst-nb's notebook parser would set up a notebook for each of
    the book's thousand messages (most of the Chinese build's time); the roles it needs (glue,
    term, cite, ...) are Sphinx's and work in plain MyST.
    """
    filetype = _get_filetype(source_suffix, filename)
    return "markdown" if filetype == "myst-nb" else filetype


def _publish_msgstr_with_glue(
    app: Sphinx, source: str, source_path: str, *args: Any, **kwargs: Any
) -> nodes.Element:
    # A footnote reference is a reference only where its definition is in the same document.
    definitions = "".join(f"\n\n[^{name}]: -" for name in FOOTNOTE_REF.findall(source))
    source = glue_from_page(source, source_path) + definitions
    return _publish_msgstr(app, source, source_path, *args, **kwargs)


def offer_prose_only(app: Sphinx, doctree: nodes.document) -> None:
    """Keep autodoc's API entries and display equations out of the catalogues."""
    if app.builder.name != "gettext":  # only the catalogue builder reads the mark
        return
    for desc in doctree.findall(addnodes.desc):
        for node in desc.findall(nodes.TextElement):
            node["translatable"] = False
    for node in doctree.findall(nodes.TextElement):
        if ":docstring of " in (node.source or ""):  # a module's own docstring (automodule)
            node["translatable"] = False
    for node in doctree.findall(nodes.math_block):
        node["translatable"] = False


def forget_message_documents(app: Sphinx, doctree: nodes.document) -> None:
    """Let translated nodes belong to their page, not to the little document of their message.

    Some nodes of a parsed translation keep a reference to the document Sphinx parsed the
    message as; pickled with the page, those documents made the Chinese doctrees six times
    the English ones, and every cross-reference that loads a page slow.
    """
    if app.config.language == "en":  # nothing was translated
        return
    for node in doctree.findall():
        if node._document is not None and node._document is not doctree:
            node._document = None


def render_figures_for_gettext(app: Sphinx, config: Any) -> None:
    """Give the catalogue builder the figures, so their alt text is extracted."""
    overrides = list(config.nb_mime_priority_overrides or [])
    overrides += [("gettext", "image/svg+xml", 1), ("gettext", "image/png", 2)]
    config.nb_mime_priority_overrides = overrides


def terminology() -> list[dict[str, str]]:
    """The English-Chinese terminology table (``locales/zh_CN/terminology.csv``)."""
    with TERMINOLOGY.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class TerminologyTable(SphinxDirective):
    """``{terminology-table}``: the terminology table, on the Chinese glossary page only."""

    def run(self) -> list[nodes.Node]:
        if not self.config.language.startswith("zh"):
            return []
        self.env.note_dependency(str(TERMINOLOGY))
        rows = sorted(terminology(), key=lambda row: row["English"].lower())
        columns = ["English", "中文", "又称"]  # the translators' notes are for translators
        table = nodes.table(classes=["xent-terminology"])
        group = nodes.tgroup(cols=len(columns))
        table += group
        group.extend(nodes.colspec(colwidth=width) for width in (4, 3, 3))
        head, body = nodes.thead(), nodes.tbody()
        group += [head, body]
        header = ["英文", "中文", "又称"]
        for parent, cells in [(head, header)] + [(body, [r[c] for c in columns]) for r in rows]:
            row = nodes.row()
            for text in cells:
                row += nodes.entry("", nodes.paragraph(text=text))
            parent += row
        title = nodes.rubric(text="术语对照表")
        intro = nodes.paragraph(
            text="本书中文版统一使用下表的译名（按英文字母顺序排列）；"
            "正文中的术语可以点击，查看上面的释义。"
        )
        return [title, intro, table]


def search_synonyms() -> list[list[str]]:
    """Pairs [a reader's word, the book's word], longest first: the 又称 column of the table."""
    pairs = [
        [other.strip(), re.split(r"[/／、]", row["中文"])[0].strip()]
        for row in terminology()
        for other in re.split(r"[/／、]", row["又称"])
        if other.strip()
    ]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


class SearchChineseWithSingleCharacters(SearchChinese):
    """Sphinx's Chinese search, keeping one-character words (熵) and the book's terms whole.

    jieba cuts text into words with the book's terminology as its user dictionary (so that
    交叉熵 and KL 散度 are words); Sphinx's own filter drops every one-character word, which
    would make 熵, the book's subject, unsearchable. In the browser, a query is cut the same
    way (``templates/xent-query-zh.js``: longest match against the index's words, after
    replacing the synonyms readers use by the book's terms), so "KL散度" and "信息熵" find
    the chapters that teach them.
    """

    def init(self, options: dict[str, str]) -> None:
        import jieba

        jieba.setLogLevel(60)  # no "Building prefix dict" chatter in the build log
        words = {
            word.strip()
            for row in terminology()
            for word in re.split(r"[/／、]", row["中文"] + "、" + row["又称"])
            if word.strip()
        }
        for word in words:
            # A term that is another term and a short word (最大似然估计: 最大似然 + 估计) is
            # indexed as its parts, so that a query for either finds the pages of both.
            if any(word.startswith(other) and 0 < len(word) - len(other) <= 2 for other in words):
                continue
            jieba.add_word(word.replace(" ", ""), freq=100000)
            jieba.add_word(word, freq=100000)
        self.js_splitter_code = QUERY_SCRIPT.read_text("utf-8").replace(
            "= SYNONYMS;", f"= {json.dumps(search_synonyms(), ensure_ascii=False)};"
        )
        super().init(options)

    def word_filter(self, stemmed_word: str) -> bool:
        return len(stemmed_word) > 1 or bool(re.match(r"[\u4e00-\u9fff]", stemmed_word))


def other_language(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Link every page to the same page in the book's other language (template variable)."""
    here = app.config.language if app.config.language in LANGUAGES else "en"
    there = "zh_CN" if here == "en" else "en"
    up = "../" * pagename.count("/")
    if here != "en":
        up += "../" * len(Path(LANGUAGES[here][0]).parts)
    folder = LANGUAGES[there][0]
    url = f"{up}{folder + '/' if folder else ''}{pagename}.html"
    _, name, short, title = LANGUAGES[there]
    context["xent_other_language"] = {
        "url": url,
        "code": there.replace("_", "-"),
        "name": name,
        "short": short,
        "title": title,
    }
    context["metatags"] = context.get("metatags", "") + (
        f'<link rel="alternate" hreflang="{there.replace("_", "-")}" href="{url}" />\n'
    )


def _catalogue(app: Sphinx, docname: str) -> Any:
    """The Chinese (or other) translations of one page, as Sphinx itself loads them."""
    dirs = [os.path.join(app.srcdir, directory) for directory in app.config.locale_dirs]
    domain = docname_to_domain(docname, app.config.gettext_compact)
    return init_locale(dirs, app.config.language, domain)[0]


def math_words(language: str = "zh_CN") -> dict[str, str]:
    """The words of formulas' ``\\text{...}`` in ``language`` (English -> translation)."""
    path = ROOT / "locales" / language / "math_text.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["English"]: row["中文"] for row in csv.DictReader(handle)}


TEXT_IN_MATH = re.compile(r"\\(text|textrm|mathrm)\{([^{}]*)\}")


def translate_math_text(latex: str, words: dict[str, str]) -> str:
    r"""``latex`` with each ``\text{word}`` that ``words`` knows in its language.

    Examples
    --------
    >>> translate_math_text(r"P(\text{queen}) = 2^{\text{bits per token}}", {"queen": "皇后"})
    'P(\\text{皇后}) = 2^{\\text{bits per token}}'
    """

    def swap(match: re.Match[str]) -> str:
        command, word = match.groups()
        if command != "text" or word not in words:
            return match.group(0)
        return f"\\text{{{words[word]}}}"

    return TEXT_IN_MATH.sub(swap, latex)


def translate_formulas(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """On a translated site, the words in formulas (``$2^{\\text{bits per token}}$``, display
    equations too) in its language, from ``locales/<language>/math_text.csv``."""
    if app.config.language == "en":
        return
    words = math_words(app.config.language)
    if not words:
        return
    for node in doctree.findall(lambda n: isinstance(n, nodes.math | nodes.math_block)):
        latex = node.astext()
        new = translate_math_text(latex, words)
        if new != latex:
            node.children = [nodes.Text(new)]
            if "latex" in node.attributes:
                node["latex"] = new


def translate_part_captions(app: Sphinx, doctree: nodes.document) -> None:
    """Translate the part captions of the table of contents (Foundations, ...).

    sphinx-external-toc inserts the book's toctrees after Sphinx has translated the page, so
    their captions (in the root page's catalogue) are translated here, before the sidebar's
    table of contents is collected from them.
    """
    if app.config.language == "en":
        return
    toctrees = [node for node in doctree.findall(addnodes.toctree) if node.get("caption")]
    if toctrees:
        catalogue = _catalogue(app, app.env.docname)
        for node in toctrees:
            node["caption"] = catalogue.gettext(node["caption"])


def translate_title(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """The site's title (sidebar, browser tab) in the site's language, from the root page.

    Run when reading starts, after Sphinx has compiled the catalogues (a fresh clone has no
    ``.mo`` files before that); the title is first used when the pages are written.
    """
    if app.config.language != "en":
        app.config.html_title = _catalogue(app, app.config.root_doc).gettext(app.config.html_title)


def add_demo_translations(app: Sphinx) -> None:
    """On the Chinese site, the kernel-free demos speak Chinese (``static/xent-demos-zh.js``).

    The demos' HTML comes from the one execution both languages share, so their words are
    translated in the reader's browser, on pages whose ``<html lang>`` is Chinese.
    """
    if app.config.language.startswith("zh"):
        app.add_js_file("xent-demos-zh.js")


def add_language_switcher(app: Sphinx, config: Any) -> None:
    """Put the switcher in every page's header, beside the theme's own buttons."""
    config.templates_path.append(str(TEMPLATES))
    options = config.html_theme_options
    options["article_header_end"] = ["article-header-buttons.html", "xent-language.html"]


#: Settings whose values are words of the interface, not of the book.
INTERFACE_SETTINGS = (
    "togglebutton_hint",  # sphinx-togglebutton: "Click to show"
    "togglebutton_hint_hide",
    "nb_code_prompt_show",  # myst-nb: the button of a hidden cell
    "nb_code_prompt_hide",
)


def translate_interface_settings(app: Sphinx, config: Any) -> None:
    """The interface's words that are settings, from ``locales/<lang>/LC_MESSAGES/sphinx.po``.

    Sphinx reads that catalogue before its own, for its strings and those the themes'
    templates translate; settings (and the search box's placeholder) need it applied here.
    """
    if config.language == "en":
        return
    for name in INTERFACE_SETTINGS:
        setattr(config, name, app.translator.gettext(getattr(config, name)))
    config.author = app.translator.gettext(config.author)  # the footer's "By ..."
    options = config.html_theme_options
    placeholder = options.get("search_bar_text", "Search this book...")
    options["search_bar_text"] = app.translator.gettext(placeholder)


def complete_theme_catalogue(app: Sphinx) -> None:
    """sphinx-book-theme translates its buttons with its own catalogue, whose Chinese lacks a
    few (Repository, Open issue, ...) and says others the Taiwanese way (列印成 PDF): the book's
    ``sphinx.po`` is looked up first, the theme's own catalogue after it."""
    if app.config.language != "en":
        theme = get_translator("booktheme")
        app.translator.add_fallback(theme)
        sphinx_locale.translators["general", "booktheme"] = app.translator


#: Where the theme's templates write English words with no catalogue: tooltips, labels,
#: alternative texts, and elements whose whole text is one of them.
LEFTOVER = re.compile(r'((?:title|aria-label|alt)=")([^"<>]+)(")|(>\s*)([^<>]+?)(\s*<)')


def translate_leftover_interface(app: Sphinx, exception: Exception | None) -> None:
    """Translate, in every written page, the theme's English that no catalogue offers."""
    if exception or app.config.language == "en" or app.builder.format != "html":
        return
    path = Path(app.srcdir) / "locales" / app.config.language / "LC_MESSAGES" / "sphinx.po"
    with path.open("rb") as handle:
        words = {m.id: m.string for m in read_po(handle) if m.id and m.string}

    def translated(match: re.Match[str]) -> str:
        before, word, after = (g for g in match.groups() if g is not None)
        return before + words.get(word, word) + after

    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text("utf-8")
        new = LEFTOVER.sub(translated, html)
        if new != html:
            page.write_text(new, "utf-8")


#: The page a reader gets for an address the site does not have, in each language.
NOT_FOUND = {
    "en": {
        "title": "Page not found",
        "lead": "There is no page at this address. It may have moved when the book was revised.",
        "home": "Go to the book's first page",
        "search": "Search the book",
        "button": "Search",
        "contents": "Contents",
    },
    "zh_CN": {
        "title": "找不到该页面",
        "lead": "这个地址上没有页面，可能是本书修订时页面换了位置。",
        "home": "前往本书首页",
        "search": "在本书中搜索",
        "button": "搜索",
        "contents": "目录",
    },
}


def not_found_page(language: str, chapters: list[tuple[str, str]], other: str, site: str) -> str:
    """The 404 page of the site in ``language``: self-contained HTML with relative links.

    ``chapters`` are (page, title) pairs, ``other`` the other language's first page (relative
    link), ``site`` the site's URL: where the host serves this page for a missing address deeper
    in the site (GitHub Pages does), a script points the links at the site's root.

    Examples
    --------
    >>> html = not_found_page("zh_CN", [("intro.html", "前言")], "../intro.html", "https://x/zh/")
    >>> '<html lang="zh-CN">' in html, 'href="intro.html"' in html, "找不到该页面" in html
    (True, True, True)
    """
    import html as escape

    words = NOT_FOUND.get(language, NOT_FOUND["en"])
    there = "zh_CN" if language == "en" else "en"
    other_words = NOT_FOUND[there]
    items = "\n".join(
        f'<li><a data-site href="{escape.escape(href)}">{escape.escape(title)}</a></li>'
        for href, title in chapters
    )
    first = chapters[0][0] if chapters else "index.html"
    lang = language.replace("_", "-")
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>404 · {escape.escape(words["title"])}</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #222; }}
a {{ color: #0a58ca; }}
input {{ font: inherit; padding: .3rem .5rem; max-width: 70%; }}
button {{ font: inherit; padding: .3rem .8rem; }}
.other {{ margin-top: 2.5rem; padding-top: 1rem; border-top: 1px solid #ccc; color: #555; }}
</style>
</head>
<body>
<main>
<h1>404 · {escape.escape(words["title"])}</h1>
<p>{escape.escape(words["lead"])}</p>
<p><a data-site href="{escape.escape(first)}">{escape.escape(words["home"])}</a></p>
<form data-site-form action="search.html" method="get" role="search">
<label for="q">{escape.escape(words["search"])}</label><br>
<input id="q" name="q" type="search">
<button type="submit">{escape.escape(words["button"])}</button>
</form>
<h2>{escape.escape(words["contents"])}</h2>
<ul>
{items}
</ul>
<p class="other" lang="{there.replace("_", "-")}">{escape.escape(other_words["lead"])}
<a data-site href="{escape.escape(other)}">{escape.escape(other_words["home"])}</a></p>
</main>
<script>
// A host may serve this page for any missing address (GitHub Pages: /404.html for the whole
// site); the relative links then point at the site's root, not at the missing address.
(function () {{
  var site = {json.dumps(site)};
  var here = location.href.split(/[?#]/)[0];
  if (!/^https?:/.test(location.protocol) || here.indexOf(new URL(site).origin) !== 0) return;
  if (here.replace(/[^/]*$/, "") === site) return;
  document.querySelectorAll("a[data-site]").forEach(function (a) {{
    a.href = new URL(a.getAttribute("href"), site).href;
  }});
  var form = document.querySelector("form[data-site-form]");
  form.action = new URL("search.html", site).href;
}})();
</script>
</body>
</html>
"""


def write_not_found_page(app: Sphinx, exception: Exception | None) -> None:
    """Write ``404.html`` at the site's root, in its language, with links to every chapter."""
    if exception or app.builder.format != "html" or app.builder.name == "gettext":
        return
    from editions.notebooks import site_url

    env = app.env
    docs = [app.config.root_doc, *env.toctree_includes.get(app.config.root_doc, [])]
    chapters = []
    for doc in docs:
        if doc in env.titles:
            chapters.append((app.builder.get_target_uri(doc), env.titles[doc].astext()))
    language = app.config.language or "en"
    folder = LANGUAGES.get(language, ("",))[0]
    root_page = app.builder.get_target_uri(app.config.root_doc)
    other = f"zh/{root_page}" if not folder else f"../{root_page}"
    repo = app.config.html_theme_options.get("repository_url") or ""
    site = (getattr(app.config, "xent_site_url", "") or site_url(repo)).rstrip("/") + "/"
    site += f"{folder}/" if folder else ""
    page = not_found_page(language, chapters, other, site)
    (Path(app.outdir) / "404.html").write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    i18n.publish_msgstr = _publish_msgstr_with_glue
    i18n.get_filetype = _filetype_of_a_message  # used only by publish_msgstr
    app.add_source_parser(MystParser)  # for "markdown" only: .md pages stay myst-nb's
    app.add_directive("terminology-table", TerminologyTable)
    app.add_search_language(SearchChineseWithSingleCharacters)
    app.connect("config-inited", add_language_switcher)
    # Before sphinx-togglebutton writes its hints into the pages' scripts (priority 500).
    app.connect("config-inited", translate_interface_settings, priority=400)
    app.connect("builder-inited", complete_theme_catalogue)  # the theme is loaded by then
    app.connect("builder-inited", add_demo_translations)
    app.connect("env-before-read-docs", translate_title)
    # Before Sphinx's collectors (priority 500) copy the toctrees into the sidebar's contents.
    app.connect("doctree-read", translate_part_captions, priority=400)
    # Before the theme drops the header templates that render empty.
    app.connect("html-page-context", other_language, priority=100)
    app.connect("config-inited", render_figures_for_gettext)
    app.connect("doctree-read", offer_prose_only)
    app.connect("doctree-read", forget_message_documents)
    app.connect("build-finished", translate_leftover_interface)
    app.connect("doctree-resolved", translate_formulas)
    app.connect("build-finished", write_not_found_page)
    app.setup_extension("editions.zh_typesetting")  # what a Chinese editor expects of the text
    return {"parallel_read_safe": True, "parallel_write_safe": True}
