"""The book's chapters as real Jupyter notebooks, and the Sphinx extension that publishes them.

Book tooling, not reader-facing: the website build (``sphinx.extra_extensions`` in _config.yml)
uses :func:`setup` to put a runnable ``.ipynb`` of every chapter behind the page's download
button and to point the Colab button at it; :mod:`editions.student` uses
:func:`toc_chapters` and :func:`read_chapter`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["book_repository", "downloadable", "read_chapter", "setup_cell_source", "toc_chapters"]

#: Tag of the cell that installs xent where it is missing (Colab).
SETUP_TAG = "xent-setup"


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


def book_repository(root: str | Path) -> tuple[str, str]:
    """The book's repository URL and branch, as ``_config.yml`` gives them.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "_config.yml").write_text("repository:\\n  url: https://github.com/o/r\\n")
    >>> book_repository(folder)
    ('https://github.com/o/r', 'main')
    """
    import yaml

    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    repository = config.get("repository") or {}
    return repository.get("url", "https://github.com/OWNER/REPO"), repository.get("branch", "main")


def read_chapter(path: str | Path) -> Any:
    """Read a MyST Markdown chapter as an ``nbformat`` notebook (with jupytext), without outputs.

    Examples
    --------
    >>> import tempfile
    >>> md = Path(tempfile.mkdtemp()) / "ch.md"
    >>> _ = md.write_text("# Title\\n\\n```{code-cell} ipython3\\n1 + 1\\n```\\n")
    >>> [cell.cell_type for cell in read_chapter(md).cells]
    ['markdown', 'code']
    """
    import jupytext

    return jupytext.read(Path(path), fmt="md:myst")


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


# ---------------------------------------------------------------------------------------------
# Sphinx extension


def _publish_notebook(app: Any, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Overwrite the theme's ``_sources/<page>.ipynb`` with the runnable one; fix Colab's link."""
    if not context.get("ipynb_source"):  # not a notebook page
        return
    import nbformat

    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    repo = app.config.html_theme_options.get("repository_url") or "https://github.com/OWNER/REPO"
    branch = app.config.html_theme_options.get("repository_branch") or "main"
    nb = downloadable(nbformat.read(executed, as_version=4), repo, branch)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)

    nb_branch = app.config.xent_notebooks_branch
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("text") == "Colab":
                button["url"] = re.sub(
                    r"/blob/[^/]+/.*$", f"/blob/{nb_branch}/{pagename}.ipynb", button["url"]
                )


def setup(app: Any) -> dict[str, Any]:
    """Register the extension: runnable .ipynb downloads and a Colab link that opens them."""
    # The branch the deploy workflow publishes the generated notebooks to (Colab reads GitHub).
    app.add_config_value("xent_notebooks_branch", "notebooks", "html")
    app.connect("html-page-context", _publish_notebook, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
