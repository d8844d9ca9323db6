"""The notebook edition: every chapter as a clean Jupyter notebook, written by the website build.

Book tooling, not reader-facing: the website build (``sphinx.extra_extensions`` in _config.yml)
uses :func:`setup`. For every chapter page it writes ``_sources/<page>.ipynb`` from the page's
resolved doctree (prose, via :mod:`editions.markdown`) and the notebook myst-nb executed in the
same build (code cells and their outputs), puts it behind the page's download button and points
the Colab and Binder buttons at its published copy. :mod:`editions.student` makes the student
edition from these notebooks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = [
    "CHECK_CALL",
    "downloadable",
    "edition_notebook",
    "fold_solutions",
    "setup_cell_source",
    "site_url",
    "toc_chapters",
]

#: Tag of the cell that installs xent where it is missing (Colab).
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


def setup_cell_source(repository_url: str, branch: str = "main") -> str:
    """The code of the first cell of a downloaded chapter: install what Colab lacks.

    On a machine with the book's requirements it does nothing; on Colab (or any Jupyter without
    ``xent``) it installs ``xent`` from the repository and ``myst-nb`` (for ``glue``).

    Examples
    --------
    >>> print(setup_cell_source("https://github.com/o/r").splitlines()[0])
    # Setup: on Colab or a fresh Jupyter, install the book's package xent and myst-nb.
    """
    url = repository_url.rstrip("/")
    return (
        "# Setup: on Colab or a fresh Jupyter, install the book's package xent and myst-nb.\n"
        "import importlib\n"
        "import importlib.util\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        "_needed = {\n"
        f'    "xent": "xent @ git+{url}@{branch}",\n'
        '    "myst_nb": "myst-nb==1.4.0",\n'
        "}\n"
        "_missing = [pkg for mod, pkg in _needed.items() if not importlib.util.find_spec(mod)]\n"
        "if _missing:\n"
        '    pip = [sys.executable, "-m", "pip", "install", "-q"]\n'
        "    subprocess.run([*pip, *_missing], check=True)\n"
        "    importlib.invalidate_caches()"
    )


def downloadable(notebook: Any, repository_url: str, branch: str = "main") -> Any:
    """Return a copy of ``notebook`` with the setup cell first, ready to run top to bottom.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    >>> out = downloadable(nb, "https://github.com/o/r")
    >>> out.cells[0].metadata["tags"], len(out.cells)
    (['xent-setup'], 2)
    """
    import copy

    import nbformat

    nb = copy.deepcopy(notebook)
    nb.cells = [c for c in nb.cells if SETUP_TAG not in c.get("metadata", {}).get("tags", [])]
    cell = nbformat.v4.new_code_cell(
        setup_cell_source(repository_url, branch), metadata={"tags": [SETUP_TAG]}
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

    out: list[Any] = []
    solved: dict[str, tuple[Any, list[str]]] = {}  # label -> (its <details> cell, its code)
    for cell in cells:
        tags = cell.metadata.get("tags", [])
        of = next((t.split(":", 1)[1] for t in tags if t.startswith("solution-of:")), "")
        if SOLUTION_TAG in tags and cell.cell_type == "markdown":
            solved[of] = (cell, [])
        elif SOLUTION_TAG in tags and of in solved:
            details, code = solved[of]
            source = re.sub(r"^# .*\n", "", cell.source)  # the collapsed cell's heading line
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
    branch = app.config.html_theme_options.get("repository_branch") or "main"
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
    nb = downloadable(nb, repo, branch)
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
