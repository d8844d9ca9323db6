"""The Chinese notebooks' code comments are Chinese (editions/code_comments.py).

Every comment of every chapter's code (and of the setup cell) is a message of
``locales/zh_CN/notebook_comments.po``, translated; the notebook edition swaps the comments for
their translations and leaves the code exactly as it ran.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import polib
import pytest

from conftest import ROOT
from editions.code_comments import (
    catalogue_path,
    chapter_sources,
    comments,
    messages,
    translate_source,
    translations,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
#: Comments that are a formula or a type, the same in both languages.
AS_IS = {"float32", "H(p, p_data) - H(p_data)", "w[y_n] * loss_n"}
SOURCES = chapter_sources(ROOT)
ZH = translations("zh_CN", ROOT)


def test_catalogue_is_complete_and_current() -> None:
    current = set(messages(ROOT))
    po = polib.pofile(str(catalogue_path("zh_CN", ROOT)))
    ids = {e.msgid for e in po if e.msgid}
    assert current - ids == set(), "run python -m editions.code_comments and translate"
    assert ids - current == set(), (
        "comments no chapter has any more: run python -m editions.code_comments"
    )
    untranslated = [e.msgid for e in po if e.msgid and not e.msgstr]
    assert not untranslated, untranslated
    assert len(current) > 100


@pytest.mark.parametrize("doc", sorted(SOURCES))
def test_comments_are_chinese_and_code_unchanged(doc: str) -> None:
    for source in SOURCES[doc]:
        chinese = translate_source(source, ZH)
        for comment in comments(chinese):
            assert CJK.search(comment.text) or comment.text in AS_IS, (
                f"{doc}: comment left in English: {comment.text!r}"
            )
        # The code itself is untouched: the same syntax tree (comments are not in it).
        try:
            tree = ast.dump(ast.parse(source))
        except SyntaxError:  # an IPython magic: compare the lines without their comments
            strip = [re.sub(r"#.*", "", line).rstrip() for line in source.splitlines()]
            assert [re.sub(r"#.*", "", x).rstrip() for x in chinese.splitlines()][: len(strip)]
            continue
        assert ast.dump(ast.parse(chinese)) == tree, doc


def test_block_comments_are_rewrapped_to_the_line_width() -> None:
    source = "# " + "word " * 40 + "\n# more words\nx = 1  # one\n"
    message = comments(source)[0].text
    out = translate_source(source, {message: "很长的注释" * 30, "one": "一"}, width=60)
    lines = out.splitlines()
    assert all(line.startswith("# ") for line in lines[:-1]) and lines[-1] == "x = 1  # 一"
    assert all(sum(2 if ord(c) > 127 else 1 for c in line) <= 64 for line in lines), lines
    assert "".join(line[2:] for line in lines[:-1]) == "很长的注释" * 30


def test_strings_that_look_like_comments_are_left_alone() -> None:
    source = 'label = "# not a comment"  # a cat\n'
    assert translate_source(source, {"a cat": "一只猫", "not a comment": "x"}) == (
        'label = "# not a comment"  # 一只猫\n'
    )


@pytest.mark.skipif(not os.environ.get("XENT_BUILT_SITE"), reason="needs a built site")
def test_built_chinese_notebooks_have_chinese_comments() -> None:
    site = Path(os.environ["XENT_BUILT_SITE"]) / "zh" / "_sources" / "chapters"
    notebooks = sorted(site.glob("0*.ipynb"))
    assert notebooks, site
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            for comment in comments("".join(cell["source"])):
                assert CJK.search(comment.text) or comment.text in AS_IS, (
                    f"{path.name}: {comment.text!r}"
                )
