"""Build the whole website, English and Chinese, with each chapter executed once.

    python -m editions.build [--path-output DIR]

writes the English site to ``DIR/_build/html`` and the Chinese one (简体中文版, from the
catalogues in ``locales/``) to ``DIR/_build/html/zh``; DIR defaults to the repository. Both are
strict (warnings are errors, every reference checked). The English build executes every
chapter into a fresh execution cache (``DIR/_build/.jupyter_cache``; a stale one would hide a
change in ``code/xent``, since the cache keys on the cells' code only); the Chinese build runs
the same cells, so it takes every output from that cache and executes nothing. Each site then
gets every chapter's notebook as ``xent-notebooks.zip`` and its student edition as
``xent-student-edition.zip`` (nbgrader's release with nbgrader, from requirements-dev.txt; the
same notebooks made without it otherwise).

``--language en`` or ``--language zh_CN`` builds one of them (the Chinese one needs the cache
of an English build). Other builders reuse an earlier build's environment and cache:
``--language en --builder pdflatex`` makes the PDF (``DIR/_build/latex/xent-book.pdf``),
``--language zh_CN --builder pdflatex`` the Chinese one
(``DIR/_build/latex-zh/xent-book-zh.pdf``, from the Chinese website build's environment) and
``--builder gettext`` the message templates (see ``python -m editions.catalogues --update``).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from editions.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[1]


#: The executed notebooks of the English pass, kept for the other languages' notebook editions
#: (myst-nb's own copies, in jupyter_execute/, have no outputs when they come from the cache).
EXECUTED = "executed"

#: The student edition's notebooks, as one download in each site (linked by the instructors' page).
STUDENT_EDITION = "xent-student-edition.zip"

#: Every chapter's notebook edition, as one download in each site (linked by the intro page).
NOTEBOOKS = "xent-notebooks.zip"


def build_one(language: str, build_dir: Path, builder: str = "html") -> int:
    """One strict Sphinx build of the book in one language, reusing the execution cache."""
    from jupyter_book.sphinx import build_sphinx

    sphinx_builder = "latex" if builder == "pdflatex" else builder
    folder = LANGUAGES[language][0]
    # Another language's site is built beside the English one and then moved into place:
    # myst-nb writes executed notebooks next to the output folder, and the site would get them.
    staged = builder == "html" and bool(folder)
    if staged:
        outdir = build_dir / language / "html"
    elif builder == "html":
        outdir = build_dir / "html"
    elif builder == "gettext":  # a folder of its own: its jupyter_execute/ has no outputs
        outdir = build_dir / "gettext" / "templates"
    elif folder:  # another language's PDF: _build/latex-zh/xent-book-zh.pdf
        outdir = build_dir / f"{sphinx_builder}-{folder}"
    else:
        outdir = build_dir / sphinx_builder
    # The English website and PDF share one environment, so the PDF reads nothing again;
    # the catalogue builder needs its own (it versions the doctrees).
    doctrees = ".doctrees" + ("-gettext" if builder == "gettext" else "")
    doctrees += "" if language == "en" else f"-{language}"
    overrides = {
        "external_toc_path": str(ROOT / "_toc.yml"),
        "latex_individualpages": False,
        "nitpicky": True,
        "language": language,
        "nb_execution_mode": "cache",
        "nb_execution_cache_path": str(build_dir / ".jupyter_cache"),
    }
    if language != "en":
        # The notebook edition takes code and outputs from the English pass's executed copies.
        overrides["xent_executed_notebooks"] = str(build_dir / EXECUTED)
    result = build_sphinx(
        ROOT,
        outdir,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides=overrides,
        doctreedir=build_dir / doctrees,
        builder=sphinx_builder,
        # A PDF is written from the website build's environment as it is: "all" would also
        # recompile the catalogues, so that the Chinese PDF read every page again.
        force_all=builder != "pdflatex",
        freshenv=builder in ("html", "gettext"),
        warningiserror=builder != "pdflatex",
        keep_going=True,
    )
    if result != 0:
        return result if isinstance(result, int) else 1
    if staged:
        shutil.rmtree(build_dir / "html" / folder, ignore_errors=True)
        (build_dir / "html").mkdir(exist_ok=True)
        outdir.rename(build_dir / "html" / folder)
    if builder == "pdflatex":
        return subprocess.run(["make", "all-pdf"], cwd=outdir, check=False).returncode
    return 0


def publish_student_edition(language: str, build_dir: Path) -> Path | None:
    """Make the student edition of one language's notebooks and put it in its site as a zip.

    With nbgrader (requirements-dev.txt) the notebooks are nbgrader's release of a course made in
    a temporary folder; without it (a build with requirements.txt only) they are made the same
    way by :func:`editions.grading.release.student_notebook`, so every site has the zip its
    instructors' page links.
    """
    site = build_dir / "html" / LANGUAGES[language][0]
    archive = site / STUDENT_EDITION
    if importlib.util.find_spec("nbgrader") is None:
        import nbformat

        from editions.grading.release import student_notebook
        from editions.notebooks import toc_chapters

        print("[editions.build] nbgrader is not installed: student notebooks made without it")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for doc in toc_chapters(ROOT):
                nb = nbformat.read(site / "_sources" / f"{doc}.ipynb", as_version=4)
                name = f"xent-student-edition/{Path(doc).name}.ipynb"
                bundle.writestr(name, nbformat.writes(student_notebook(nb, language)))
        return archive
    from editions.student import build as student_edition

    with tempfile.TemporaryDirectory() as course:  # the autograder stays with the instructor
        notebooks = student_edition(
            ROOT, Path(course) / "course", notebooks=site / "_sources", language=language
        )
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for notebook in notebooks:
                bundle.write(notebook, f"xent-student-edition/{notebook.name}")
    return archive


def publish_notebooks(language: str, build_dir: Path) -> Path:
    """Put one language's notebook edition in its site as one zip of every chapter's notebook.

    The notebooks are the ones behind the pages' download buttons (``_sources/chapters/``),
    in the archive's folder ``xent-notebooks/``; each one's first cell installs what it needs.
    """
    from editions.notebooks import toc_chapters

    site = build_dir / "html" / LANGUAGES[language][0]
    archive = site / NOTEBOOKS
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for doc in toc_chapters(ROOT):
            notebook = site / "_sources" / f"{doc}.ipynb"
            bundle.write(notebook, f"xent-notebooks/{Path(doc).name}.ipynb")
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path-output", type=Path, default=ROOT)
    parser.add_argument("--language", choices=[*LANGUAGES, "all"], default="all")
    parser.add_argument("--builder", default="html")
    parser.add_argument("--keep-cache", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    build_dir = args.path_output.resolve() / "_build"
    languages = list(LANGUAGES) if args.language == "all" else [args.language]
    # A fresh execution cache for a website build (a PDF or catalogue build reuses it).
    if "en" in languages and not args.keep_cache and args.builder == "html":
        shutil.rmtree(build_dir / ".jupyter_cache", ignore_errors=True)
        shutil.rmtree(build_dir / "html", ignore_errors=True)  # else a changed stylesheet's
        # old copy would stay
    for language in languages:
        # One process per language: Sphinx and docutils keep global state between builds.
        start = time.perf_counter()
        code = [
            "import sys, editions.build as b; "
            f"sys.exit(b.build_one({language!r}, __import__('pathlib').Path({str(build_dir)!r}), "
            f"{args.builder!r}))"
        ]
        status = subprocess.run([sys.executable, "-c", *code], cwd=ROOT, check=False).returncode
        print(f"[editions.build] {language}: {time.perf_counter() - start:.1f} s, status {status}")
        if status:
            return status
        if args.builder == "html" and language == "en":
            shutil.rmtree(build_dir / EXECUTED, ignore_errors=True)
            shutil.copytree(build_dir / "jupyter_execute", build_dir / EXECUTED)
        if args.builder == "html":
            publish_notebooks(language, build_dir)
        if args.builder == "html":
            publish_student_edition(language, build_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
