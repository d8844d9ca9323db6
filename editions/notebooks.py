"""The notebook edition: every chapter as a clean Jupyter notebook, written by the website build.

Book tooling, not reader-facing: the website build (``sphinx.extra_extensions`` in _config.yml)
uses :func:`setup`. For every chapter page it writes ``_sources/<page>.ipynb`` from the page's
resolved doctree (prose, via :mod:`editions.markdown`) and the notebook myst-nb executed in the
same build (code cells and their outputs), puts it behind the page's download button and points
the Colab and Binder buttons at its published copy. :mod:`editions.student` makes the student
edition from these notebooks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = [
    "CHECK_CALL",
    "OPTIONAL",
    "chapter_needs",
    "downloadable",
    "edition_notebook",
    "fold_solutions",
    "setup_cell_source",
    "site_url",
    "toc_chapters",
    "without_glue",
]

#: Tag of the cell that installs xent-book and what the chapter needs where it is missing.
SETUP_TAG = "xent-setup"

#: Tag of every cell of a solution (folded in the notebook, removed in the student edition).
SOLUTION_TAG = "solution"

#: Tag of the empty cell where the reader writes a coding exercise's answer; its metadata
#: ``xent.solution`` keeps the solution's code for the student edition's answer key.
ANSWER_TAG = "answer"


def toc_chapters(root: str | Path) -> list[str]:
    """The chapters of the book: the files of the numbered parts of ``_toc.yml``, in order.

    Parameters
    ----------
    root : str or Path
        The book's root folder (the one with ``_toc.yml``).

    Returns
    -------
    list of str
        Document names relative to ``root`` and without suffix, e.g. ``"chapters/01_information"``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "_toc.yml").write_text(
    ...     "root: intro\\nparts:\\n- caption: A\\n  numbered: true\\n  chapters:\\n"
    ...     "  - file: chapters/01_a\\n- caption: Back\\n  chapters:\\n"
    ...     "  - file: chapters/notation\\n"
    ... )
    >>> toc_chapters(folder)
    ['chapters/01_a']
    """
    import yaml

    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    return [
        entry["file"]
        for part in toc.get("parts", [])
        if part.get("numbered")
        for entry in part.get("chapters", [])
    ]


#: Modules a chapter may import that the xent-book wheel does not install, and their packages
#: on the Python Package Index (``pip install`` names).
OPTIONAL = {"torch": "torch", "sklearn": "scikit-learn", "ipywidgets": "ipywidgets"}

#: PyTorch's own index of CPU-only wheels (on Linux and Windows the index's torch bundles CUDA).
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

#: A mirror of the package index, for the advice the setup cell prints (any mirror works).
MIRROR = "https://pypi.tuna.tsinghua.edu.cn/simple"

#: The sentences the setup cell prints, per language: {what} is what it installs, {mirror} a
#: mirror of the index, {cpu} PyTorch's CPU index.
SETUP_TEXT = {
    "en": {
        "comment": "# Setup: installs what this chapter needs where it is missing (Colab, Kaggle,\n"
        "# a fresh Jupyter). Nothing happens where it is all installed.",
        "torch": "Installing torch, CPU build, from {cpu} (a few minutes). If that host is slow or "
        "blocked where you are (for example in mainland China), stop this cell and install torch "
        "from a mirror of the package index instead: %pip install torch -i {mirror}",
        "torch_fallback": "PyTorch's index could not be reached: installing torch from the "
        "package index instead (on Linux a larger download, with GPU libraries).",
        "failed": "Could not install {what} (pip's message is above). Offline: install them on "
        "a machine with a network, or run `pip install -r requirements.txt` in a clone of the "
        "book's repository. If the package index is slow or blocked where you are (for example "
        "in mainland China), give pip a mirror of the index with -i: run `%pip install -i "
        "{mirror} {what}` in a cell (or once for all: `pip config set global.index-url "
        "{mirror}`), then run this cell again.",
    },
    "zh_CN": {
        "comment": "# 准备：安装本章需要而当前环境缺少的软件包（Colab、Kaggle 或新的 Jupyter）。\n"
        "# 已全部安装时，本单元格什么也不做。",
        "language": "# xent 的 check() 用中文给出反馈（设为 en 即改回英文）",
        "torch": "正在从 {cpu} 安装 torch 的 CPU 版本（需要几分钟）。如果这个网站在你所在的地方"
        "很慢或无法访问（例如在中国大陆），请中断本单元格，改从软件包索引的镜像安装 torch："
        "%pip install torch -i {mirror}",
        "torch_fallback": "无法访问 PyTorch 的索引：改从软件包索引安装 torch（在 Linux 上下载量"
        "更大，含 GPU 库）。",
        "failed": "无法安装 {what}（pip 的报错见上方）。离线时：请在联网的机器上安装，或在本书"
        "仓库的克隆中运行 `pip install -r requirements.txt`。如果软件包索引在你所在的地方很慢或"
        "无法访问（例如在中国大陆），可用 pip 的 -i 选项指定索引的镜像：在一个单元格中运行 "
        "`%pip install -i {mirror} {what}`（或一次性设置：`pip config set global.index-url "
        "{mirror}`），然后重新运行本单元格。",
    },
}


def _literal(text: str, width: int = 88) -> str:
    """``text`` as a parenthesised run of string literals, each line at most about ``width`` wide.

    Examples
    --------
    >>> print(_literal("one two three", width=8))
    (
        "one two "
        "three"
    )
    >>> eval(_literal("无法安装 {what}，请重试。", width=6)) == "无法安装 {what}，请重试。"
    True
    """
    # Break after a space or between two wide (Chinese) characters, never inside {what}.
    tokens = re.findall(r"\{\w+\}|[\x21-\x7e]+ ?|\s|[^\x00-\x7f]", text)
    lines, line, size = [], "", 0
    for token in tokens:
        wide = sum(2 if ord(c) > 0x7F else 1 for c in token)
        if line and size + wide > width:
            lines.append(line)
            line, size = "", 0
        line, size = line + token, size + wide
    lines.append(line)
    quoted = "\n".join(f"    {json.dumps(part, ensure_ascii=False)}" for part in lines)
    return f"(\n{quoted}\n)"


def setup_cell_source(
    version: str, needs: list[str] | tuple[str, ...] = (), language: str = "en"
) -> str:
    """The code of the first cell of a downloaded chapter: install what the chapter needs.

    It installs ``xent-book==version`` (the package ``xent``, exactly as the notebook was built)
    unless that version is installed, and each module of ``needs`` (keys of :data:`OPTIONAL`)
    that cannot be imported: torch as its CPU build from PyTorch's index where no index of the
    reader's own is configured (falling back to the package index), the others from the index.
    When pip fails, the cell stops with one sentence (offline route, a mirror with ``-i``)
    instead of a traceback. Sentences are in ``language`` (English elsewhere).

    Parameters
    ----------
    version : str
        The version of xent-book the notebook was built with.
    needs : sequence of str
        Modules of :data:`OPTIONAL` the chapter imports.
    language : str, optional
        The notebook's language (``"en"`` or ``"zh_CN"``).

    Examples
    --------
    >>> source = setup_cell_source("1.2.0", ["torch"])
    >>> print(source.splitlines()[0])
    # Setup: installs what this chapter needs where it is missing (Colab, Kaggle,
    >>> 'XENT_BOOK = "1.2.0"' in source, "NEEDED = {'torch': 'torch'}" in source
    (True, True)
    >>> compile(source, "setup", "exec") and None
    """
    source = _setup_source(version, needs, language)
    if language != "en":  # its comments in the notebook's language, as the chapters' code
        from editions.code_comments import translate_source, translations

        source = translate_source(source, translations(language))
    return source


def _setup_source(version: str, needs: list[str] | tuple[str, ...], language: str) -> str:
    """The setup cell of :func:`setup_cell_source`, with its code comments in English."""
    text = {
        key: value.format(what="{what}", mirror=MIRROR, cpu=TORCH_CPU_INDEX)
        for key, value in SETUP_TEXT.get(language, SETUP_TEXT["en"]).items()
    }
    needed = {module: OPTIONAL[module] for module in OPTIONAL if module in needs}
    # A notebook in another language than English makes xent's check() speak it (XENT_LANG).
    speak = ""
    if "language" in text:
        speak = f'os.environ["XENT_LANG"] = "{language}"  {text["language"]}\n'
    return f"""{text["comment"]}
import importlib.metadata, importlib.util, os, platform, subprocess, sys

{speak}XENT_BOOK = "{version}"  # the edition of the book this notebook was built with
NEEDED = {needed!r}  # module: package, imported by this chapter
PYTORCH_CPU = "{TORCH_CPU_INDEX}"  # PyTorch's own index of CPU-only builds
FAILED = {_literal(text["failed"])}
TORCH_CPU = {_literal(text["torch"])}
TORCH_INDEX = {_literal(text["torch_fallback"])}


class SetupFailed(Exception):
    def _render_traceback_(self):  # Jupyter shows this sentence instead of a traceback
        return [str(self)]


def _pip(*args):
    command = [sys.executable, "-m", "pip", "install", "-q", *args]
    return subprocess.run(command, check=False).returncode == 0


def _own_index():  # True if the reader chose an index or a mirror (pip config, PIP_INDEX_URL)
    config = [sys.executable, "-m", "pip", "config", "get", "global.index-url"]
    chosen = subprocess.run(config, capture_output=True, check=False).returncode == 0
    return chosen or bool(os.environ.get("PIP_INDEX_URL"))


def _setup():
    try:
        installed = importlib.metadata.version("xent-book")
    except importlib.metadata.PackageNotFoundError:
        installed = None
    missing = [] if installed == XENT_BOOK else [f"xent-book=={{XENT_BOOK}}"]
    missing += [p for m, p in NEEDED.items() if m != "torch" and not importlib.util.find_spec(m)]
    if missing and not _pip(*missing):
        raise SetupFailed(FAILED.format(what=" ".join(missing)))
    if "torch" in NEEDED and not importlib.util.find_spec("torch"):
        done = False
        if platform.system() != "Darwin" and not _own_index():  # macOS: the index's is CPU
            print(TORCH_CPU)
            done = _pip("torch", "--index-url", PYTORCH_CPU, "--timeout", "30")
            if not done:
                print(TORCH_INDEX)
        if not done and not _pip("torch"):
            raise SetupFailed(FAILED.format(what="torch"))
    importlib.invalidate_caches()


_setup()"""


#: xent functions that read a data file another package ships, without importing it: a
#: chapter that calls one needs that package installed all the same.
READS_DATA_OF = {"load_digits": "sklearn"}


def chapter_needs(notebook: Any) -> list[str]:
    """The modules of :data:`OPTIONAL` a chapter's code imports, directly or through xent.

    A module of ``xent`` the code uses (``xent.widgets``, ``from xent.widgets import ...``,
    ``from xent import widgets``) counts with the optional modules it imports at its top level.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("import torch.nn.functional as F\\nxent.widgets.x()"),
    ...     nbformat.v4.new_code_cell("%matplotlib inline\\nfrom sklearn.datasets import f"),
    ... ])
    >>> chapter_needs(nb)
    ['torch', 'sklearn', 'ipywidgets']
    """
    import ast
    import importlib.util

    def imports(tree: ast.AST) -> tuple[set[str], set[str]]:
        modules, submodules = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
                if node.module == "xent":
                    submodules.update(alias.name for alias in node.names)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "xent"
            ):
                submodules.add(node.attr)
                continue
            else:
                continue
            modules.update(name.split(".")[0] for name in names)
            submodules.update(n.split(".")[1] for n in names if n.startswith("xent."))
        return modules, submodules

    modules: set[str] = set()
    submodules: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(
            "pass" if re.match(r"\s*[%!]", line) else line for line in cell.source.splitlines()
        )
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        found, used = imports(tree)
        modules |= found
        submodules |= used
        for node in ast.walk(tree):  # xent functions that read data another package ships
            name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
            if name in READS_DATA_OF:
                modules.add(READS_DATA_OF[name])
    for name in sorted(submodules):  # the top-level imports of the xent modules the code uses
        spec = importlib.util.find_spec(f"xent.{name}") if name.isidentifier() else None
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        top = ast.Module(body=[s for s in tree.body if isinstance(s, ast.Import | ast.ImportFrom)])
        modules |= imports(top)[0]
    return [module for module in OPTIONAL if module in modules]


def without_glue(notebook: Any) -> Any:
    """Drop myst-nb's ``glue`` from the code cells: it means nothing outside the book's build.

    Each code cell loses its ``glue(...)`` calls and ``from myst_nb import glue`` (with
    :func:`editions.pdf.strip_glue`, as the PDF does) and the invisible outputs they recorded;
    a cell left with no code and no output goes. Changes ``notebook`` in place and returns it.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("from myst_nb import glue\\nglue('a', 1, display=False)"),
    ...     nbformat.v4.new_code_cell("x = 2\\nglue('x', x, display=False)\\nx"),
    ... ])
    >>> [c.source for c in without_glue(nb).cells]
    ['x = 2\\nx']
    """
    from editions.pdf import strip_glue

    kept = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            source = strip_glue(cell.source)
            if source != cell.source:
                cell.source = source
                cell.outputs = [
                    o for o in cell.get("outputs", []) if "scrapbook" not in o.get("metadata", {})
                ]
            if not cell.source.strip() and not cell.outputs:
                continue
        kept.append(cell)
    notebook.cells = kept
    return notebook


def downloadable(
    notebook: Any, version: str, needs: list[str] | None = None, language: str = "en"
) -> Any:
    """Return a copy of ``notebook`` ready to run top to bottom anywhere pip works.

    Without myst-nb's ``glue`` (:func:`without_glue`), with the setup cell first: it installs
    ``xent-book==version`` and the optional modules the chapter imports (``needs``, by default
    :func:`chapter_needs`).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    >>> out = downloadable(nb, "0.1.0")
    >>> out.cells[0].metadata["tags"], len(out.cells)
    (['xent-setup'], 2)
    """
    import copy

    import nbformat

    nb = copy.deepcopy(notebook)
    nb.cells = [c for c in nb.cells if SETUP_TAG not in c.get("metadata", {}).get("tags", [])]
    without_glue(nb)
    needs = chapter_needs(nb) if needs is None else needs
    cell = nbformat.v4.new_code_cell(
        setup_cell_source(version, needs, language), metadata={"tags": [SETUP_TAG]}
    )
    nb.cells.insert(0, cell)
    for c in nb.cells:  # nbformat >= 4.5 wants a cell id everywhere
        c.setdefault("id", nbformat.v4.new_code_cell().id)
    nb.nbformat, nb.nbformat_minor = 4, max(int(nb.get("nbformat_minor", 5)), 5)
    return nb


#: A check cell: a call ``check("ex-...", ...)`` (optionally ``xent.checks.check``).
CHECK_CALL = re.compile(r"^\s*(?:xent\.checks\.)?check\(\s*[\"'](ex-[\w-]+)[\"']", re.MULTILINE)

#: ipykernel's own kernelspec, so JupyterLab does not mark a freshly opened notebook as changed.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

#: myst-nb's cell tags and how JupyterLab shows them: (source hidden, outputs hidden).
_HIDDEN = {
    "hide-input": (True, False),
    "remove-input": (True, False),
    "hide-output": (False, True),
    "remove-output": (False, True),
    "hide-cell": (True, True),
    "remove-cell": (True, True),
    SOLUTION_TAG: (True, True),
}


def site_url(repository_url: str) -> str:
    """The website's URL for a GitHub repository URL (GitHub Pages), ending in ``/``.

    Examples
    --------
    >>> site_url("https://github.com/xent-book/xent-book")
    'https://xent-book.github.io/xent-book/'
    """
    m = re.match(r"https?://github\.com/([^/]+)/([^/#?]+?)(?:\.git)?/?$", repository_url)
    if not m:
        return repository_url.rstrip("/") + "/"
    return f"https://{m[1].lower()}.github.io/{m[2]}/"


def edition_notebook(
    doctree: Any,
    docname: str,
    executed: Any,
    fignumbers: dict[str, dict[str, Any]],
    website: str,
    images: dict[str, str] | None = None,
    language: str = "en",
) -> tuple[Any, list[str]]:
    """The notebook edition of one chapter, from its resolved doctree and executed notebook.

    Parameters
    ----------
    doctree : docutils.nodes.document
        The page's doctree after Sphinx resolved every reference (what the website is made of).
    docname : str
        The page, e.g. ``"chapters/05_learning_slowdown"``.
    executed : nbformat.NotebookNode
        The notebook myst-nb executed for this page in the same build (its outputs are reused).
    fignumbers : dict
        ``env.toc_fignumbers[docname]`` (equation, figure, exercise and theorem numbers).
    website : str
        The website's root URL: links to other pages, the glossary and the bibliography.
    images : dict, optional
        The HTML builder's ``images`` (source URI -> file name in ``_images/``), for pictures
        the prose shows (the website's copies are linked).
    language : str, optional
        The page's language: the words the conversion adds ("Fig.", "Exercise") are in it.

    Returns
    -------
    notebook : nbformat.NotebookNode
        Markdown cells in CommonMark with ``$``/``$$`` math; the executed code cells with their
        outputs; each figure followed by its numbered caption; solutions folded.
    unknown : list of str
        Doctree node types the converter did not know (rendered as their text).

    Examples
    --------
    >>> import nbformat
    >>> from docutils.core import publish_doctree
    >>> tree = publish_doctree("Title\\n=====\\n\\nText.")
    >>> nb, unknown = edition_notebook(tree, "intro", nbformat.v4.new_notebook(), {}, "https://x/")
    >>> [c.source for c in nb.cells], unknown
    (['# Title\\n\\nText.'], [])
    """
    import copy

    import nbformat

    from editions.markdown import CodeCell, Converter, MarkdownCell

    converter = Converter(docname, fignumbers, website, images, language)
    items = converter.cells(doctree)
    code = [i for i, c in enumerate(executed.cells) if c.cell_type == "code"]
    shown = {item.index for item in items if isinstance(item, CodeCell)}
    for index in (i for i in code if i not in shown):  # remove-cell cells: needed to run
        after = next(
            (k for k, it in enumerate(items) if isinstance(it, CodeCell) and it.index > index),
            len(items),
        )
        items.insert(after, CodeCell(index, ["remove-cell"]))
    cells = []
    for item in items:
        if isinstance(item, MarkdownCell):
            cell = nbformat.v4.new_markdown_cell(item.source)
            if item.tags:
                cell.metadata["tags"] = list(item.tags)
            cells.append(cell)
            continue
        cell = copy.deepcopy(executed.cells[item.index])
        if item.heading:
            cell.source = f"{item.heading}\n{cell.source}"
        tags = list(dict.fromkeys([*cell.metadata.get("tags", []), *item.tags]))
        if tags:
            cell.metadata["tags"] = tags
        source_hidden = any(_HIDDEN.get(t, (False, False))[0] for t in tags)
        outputs_hidden = any(_HIDDEN.get(t, (False, False))[1] for t in tags)
        if source_hidden or outputs_hidden:
            jupyter = cell.metadata.setdefault("jupyter", {})
            if source_hidden:
                jupyter["source_hidden"] = True
            if outputs_hidden:
                jupyter["outputs_hidden"] = True
        if CHECK_CALL.search(cell.source):  # no "Correct" before the reader has tried
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        if item.caption:
            cells.append(nbformat.v4.new_markdown_cell(item.caption))
    references = converter.references()
    if references:
        cells.append(nbformat.v4.new_markdown_cell(references))
    nb = nbformat.v4.new_notebook(cells=fold_solutions(cells, converter.labels["your_answer"]))
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    if "language_info" in executed.metadata:
        nb.metadata["language_info"] = copy.deepcopy(executed.metadata["language_info"])
    return nb, sorted(converter.unknown)


def _answer_names(check_source: str) -> list[str]:
    """The variables a check cell passes as answers: ``check("ex-a", p=p, q=q)`` -> p, q."""
    import ast

    try:
        tree = ast.parse(check_source)
    except SyntaxError:
        return []
    return [
        kw.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if isinstance(kw.value, ast.Name)
    ]


def _stream_text(cell: Any) -> str:
    return "".join(
        o.get("text", "")
        if o.get("output_type") == "stream"
        else o.get("data", {}).get("text/plain", "")
        for o in cell.get("outputs", [])
        if o.get("output_type") in ("stream", "execute_result")
    )


def fold_solutions(cells: list[Any], your_answer: str) -> list[Any]:
    """Move each solution's code into its folded ``<details>`` and give the reader a cell of
    their own, so that Run All never runs or prints a solution.

    A solution's code cells (tagged ``solution``) become Markdown code blocks, with their
    printed output, at the end of the solution's ``<details>`` (folded until clicked; JupyterLab
    and Colab render it). Where an exercise has a check cell, an answer cell (tagged ``answer``)
    goes before its solution: a comment, then ``name = ...`` for every answer the check cell
    passes, which :func:`xent.checks.check` answers with "not answered yet" and no error.

    Examples
    --------
    >>> import nbformat
    >>> v4 = nbformat.v4
    >>> sol = {"tags": ["solution", "solution-of:ex-a"]}
    >>> cells = [
    ...     v4.new_markdown_cell("### Exercise 1.1"),
    ...     v4.new_markdown_cell("<details>\\n<summary>Solution to Exercise 1.1</summary>\\n\\nWhy."
    ...                          "\\n\\n</details>", metadata=sol),
    ...     v4.new_code_cell("x = 2", metadata=sol),
    ...     v4.new_code_cell('check("ex-a", x=x)'),
    ... ]
    >>> [c.cell_type + ": " + c.source.replace("\\n", "|")
    ...  for c in fold_solutions(cells, "# Exercise {}: yours")]  # doctest: +NORMALIZE_WHITESPACE
    ['markdown: ### Exercise 1.1', 'code: # Exercise 1.1: yours|x = ...',
     'markdown: <details>|<summary>Solution to Exercise 1.1</summary>||Why.||```python|x = 2|```||</details>',
     'code: check("ex-a", x=x)']
    """  # noqa: E501
    import nbformat

    from editions.pdf import strip_glue

    out: list[Any] = []
    solved: dict[str, tuple[Any, list[str]]] = {}  # label -> (its <details> cell, its code)
    for cell in cells:
        tags = cell.metadata.get("tags", [])
        of = next((t.split(":", 1)[1] for t in tags if t.startswith("solution-of:")), "")
        if SOLUTION_TAG in tags and cell.cell_type == "markdown":
            solved[of] = (cell, [])
        elif SOLUTION_TAG in tags and of in solved:
            details, code = solved[of]
            # The collapsed cell's heading line goes, and so does myst-nb's glue (book-only).
            source = strip_glue(re.sub(r"^# .*\n", "", cell.source))
            if not source.strip():
                continue
            code.append(source)
            block = "```python\n" + source.rstrip() + "\n```"
            printed = _stream_text(cell).rstrip()
            if printed:
                block += "\n\n```text\n" + printed + "\n```"
            body = details.source.rstrip()
            if body.endswith("</details>"):
                body = body[: -len("</details>")].rstrip()
            details.source = f"{body}\n\n{block}\n\n</details>"
            continue
        out.append(cell)
    for label, (details, code) in solved.items():
        check = next(
            (
                c
                for c in out
                if c.cell_type == "code" and (m := CHECK_CALL.search(c.source)) and m[1] == label
            ),
            None,
        )
        if not code:
            continue
        names = _answer_names(check.source) if check is not None else []
        number = re.search(r"\d+\.\d+", details.source.split("</summary>")[0])
        lines = [your_answer.format(number[0] if number else label)]
        lines += [f"{name} = ..." for name in names]
        answer = nbformat.v4.new_code_cell("\n".join(lines))
        answer.metadata["tags"] = [ANSWER_TAG, f"answer-of:{label}"]
        answer.metadata["xent"] = {"solution": "\n".join(code)}
        out.insert(out.index(details), answer)
    return out


# ---------------------------------------------------------------------------------------------
# Sphinx extension


def executed_notebook(app: Any, pagename: str) -> Any:
    """The page's notebook as this build executed it, with its outputs.

    myst-nb writes each page's executed notebook to ``jupyter_execute/`` beside the site. A
    build that took the outputs from the execution cache (the Chinese pass of
    ``editions.build``) writes it without them, so ``xent_executed_notebooks`` points such a
    build at the executing build's folder.
    """
    import nbformat

    folder = app.config.xent_executed_notebooks or Path(app.outdir).parent / "jupyter_execute"
    return nbformat.read(Path(folder) / f"{pagename}.ipynb", as_version=4)


def _publish_notebook(app: Any, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Write the notebook edition of a chapter as ``_sources/<page>.ipynb``; fix the launch links.

    The download button serves that file, Colab and Binder open its published copy on the
    notebooks branch, and the student edition is made from it.
    """
    if not context.get("ipynb_source") or doctree is None:  # not a notebook page
        return
    import nbformat
    from sphinx.util import logging

    from editions.i18n import LANGUAGES  # Sphinx and jieba: only in a build

    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    repo = app.config.html_theme_options.get("repository_url") or "https://github.com/OWNER/REPO"
    website = app.config.xent_site_url or site_url(repo)
    folder = LANGUAGES.get(app.config.language, ("",))[0]
    website = website.rstrip("/") + "/" + (f"{folder}/" if folder else "")  # this language's site
    fignumbers = app.env.toc_fignumbers.get(pagename, {})
    nb, unknown = edition_notebook(
        doctree,
        pagename,
        executed_notebook(app, pagename),
        fignumbers,
        website,
        getattr(app.builder, "images", {}),
        app.config.language,
    )
    if unknown:
        logging.getLogger(__name__).warning(
            "notebook edition of %s: node types shown as plain text: %s", pagename, unknown
        )
    import xent  # the notebook installs exactly this edition of xent-book

    nb = downloadable(nb, xent.__version__, language=app.config.language)
    if app.config.language not in (None, "en"):  # the comments in the reader's language
        from editions.code_comments import translate_notebook
        from editions.figures import translate_notebook_figures

        translate_notebook(nb, app.config.language)
        translate_notebook_figures(nb, app.config.language)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)

    nb_branch = app.config.xent_notebooks_branch
    # The workflow publishes each language's notebooks in its site's folder (zh/chapters/...).
    published = f"{folder}/{pagename}.ipynb" if folder else f"{pagename}.ipynb"
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("text") == "Colab":
                button["url"] = re.sub(
                    r"/blob/[^/]+/.*$", f"/blob/{nb_branch}/{published}", button["url"]
                )
            elif button.get("text") == "Binder":
                button["url"] = re.sub(
                    r"/v2/gh/([^/]+)/([^/]+)/[^?]+\?.*$",
                    rf"/v2/gh/\1/\2/{nb_branch}?urlpath=lab/tree/{published}",
                    button["url"],
                )


def setup(app: Any) -> dict[str, Any]:
    """Register the extension: the notebook edition behind the download, Colab and Binder links."""
    # The branch the deploy workflow publishes the generated notebooks to (Colab reads GitHub).
    app.add_config_value("xent_notebooks_branch", "notebooks", "html")
    # The website's URL, for links from the notebooks (default: GitHub Pages of the repository).
    app.add_config_value("xent_site_url", "", "html")
    # Where the executed notebooks are (default: myst-nb's jupyter_execute/ beside the site).
    app.add_config_value("xent_executed_notebooks", "", "html")
    app.connect("html-page-context", _publish_notebook, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
