"""The package readers install (xent-book) and the notebooks that install it, wherever pip works.

The wheel and sdist are built offline from the package's own files and checked as the package
index checks them (``twine check --strict``). The slow tests then give each of chapters 1, 5 and 9
of the built notebook edition (from the site's ``xent-notebooks.zip``) a fresh virtual
environment holding nothing but Python and Jupyter's kernel, and run it top to bottom with
nbclient: its first cell must install everything else. pip reaches no network there: it installs
with ``--no-index`` from the built wheel and a wheelhouse of third-party wheels (filled by
``.ci/wheelhouse``, which ``.ci/run`` calls; ``XENT_WHEELHOUSE``), through a proxy that does
not exist.
"""

from __future__ import annotations

import ast
import email
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

import xent
from conftest import ROOT
from editions.notebooks import OPTIONAL, SETUP_TAG, chapter_needs, setup_cell_source, site_url

VERSION = xent.__version__

#: The chapters run in a fresh environment, and the optional modules each one's cell installs.
FRESH = {
    "chapters/01_information": ["ipywidgets"],
    "chapters/05_learning_slowdown": ["torch", "ipywidgets"],
    "chapters/09_calibration": ["torch", "sklearn"],
}

WHEELHOUSE = Path(
    os.environ.get("XENT_WHEELHOUSE", Path.home() / ".cache" / "xent-book" / "wheelhouse")
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel (built from the sdist), as a release builds them."""
    out = tmp_path_factory.mktemp("package") / "dist"
    # --no-isolation: the setuptools of requirements-dev.txt, so the build needs no network.
    cmd = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("xent_book-*.whl")
    return wheel


def test_twine_check_passes(dist: Path) -> None:
    files = sorted(str(p) for p in dist.iterdir())
    assert len(files) == 2, files  # the sdist and the wheel
    cmd = [sys.executable, "-m", "twine", "check", "--strict", *files]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_wheel_holds_xent_and_its_data_and_nothing_else(dist: Path) -> None:
    wheel = _wheel(dist)
    assert wheel.name == f"xent_book-{VERSION}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"xent", f"xent_book-{VERSION}.dist-info"}, tops  # no editions/, no tests/
    package = ROOT / "code" / "xent"
    files = {
        f"xent/{p.relative_to(package).as_posix()}"
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    keys = {name for name in files if re.fullmatch(r"xent/checks/ch\w+\.py", name)}
    expected = files - keys  # the answer keys stay with the instructor (setup.py)
    assert keys and expected and expected <= set(names), sorted(expected - set(names))
    assert not keys & set(names), sorted(keys & set(names))
    assert "xent/py.typed" in names and any(n.startswith("xent/data/") for n in names)
    sdist = next(dist.glob("xent_book-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        members = {m.split("/", 1)[1] for m in tar.getnames() if "/" in m}
    outside = {m for m in members if m.split("/")[0] != "code"}
    allowed = {"LICENSE", "PKG-INFO", "pyproject.toml", "setup.cfg", "setup.py", "MANIFEST.in"}
    assert outside <= allowed, outside
    assert not any(re.search(r"xent/checks/ch\w+\.py$", m) for m in members), "a key in the sdist"


def test_metadata_name_version_licence_dependencies_urls(dist: Path) -> None:
    with zipfile.ZipFile(_wheel(dist)) as wheel:
        text = wheel.read(f"xent_book-{VERSION}.dist-info/METADATA").decode()
    meta = email.message_from_string(text)
    assert meta["Name"] == "xent-book" and meta["Version"] == VERSION
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"
    requires = meta.get_all("Requires-Dist")
    plain = sorted(r.split(">")[0] for r in requires if "extra ==" not in r)
    assert plain == ["matplotlib", "numpy", "scipy"], requires
    assert set(meta.get_all("Provides-Extra")) == {"torch", "widgets", "chapters"}
    chapters = {r.split(">")[0] for r in requires if 'extra == "chapters"' in r}
    assert chapters == set(OPTIONAL.values()), chapters
    # The project's links follow the book's one repository URL (_config.yml).
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repository = config["repository"]["url"].rstrip("/")
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert urls["Source"] == repository and urls["Issues"] == f"{repository}/issues", urls
    assert urls["Notebooks"] == f"{repository}/tree/notebooks", urls
    assert urls["Homepage"] == site_url(repository), urls
    from trove_classifiers import classifiers

    unknown = [c for c in meta.get_all("Classifier") if c not in classifiers]
    assert not unknown, f"the index would refuse these classifiers: {unknown}"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "pip install xent-book" in meta.get_payload(), "the readme on the index"


def test_xent_imports_only_what_the_wheel_declares() -> None:
    """xent's modules import at their top only numpy, scipy, matplotlib (and the standard library),
    except xent.widgets, whose ipywidgets the setup cell installs with the chapters that use it."""
    declared = {"numpy", "scipy", "matplotlib", "cycler", "xent"}  # cycler: matplotlib's own
    for path in sorted((ROOT / "code" / "xent").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                names = [a.name for a in stmt.names]
            elif isinstance(stmt, ast.ImportFrom) and not stmt.level:
                names = [stmt.module or ""]
            else:
                continue
            for top in {n.split(".")[0] for n in names}:
                allowed = declared | set(sys.stdlib_module_names)
                if path.name == "widgets.py":
                    allowed |= {"ipywidgets"}
                assert top in allowed, f"{path.name} imports {top} at its top"


@pytest.mark.parametrize("doc", CHAPTERS := list(FRESH))
def test_setup_cell_pins_this_edition_and_the_chapters_needs(built_site: Path, doc: str) -> None:
    nb = nbformat.read(built_site / "_sources" / f"{doc}.ipynb", as_version=4)
    first = nb.cells[0]
    assert SETUP_TAG in first.metadata["tags"]
    assert f'XENT_BOOK = "{VERSION}"' in first.source
    assert f"NEEDED = { {m: OPTIONAL[m] for m in OPTIONAL if m in FRESH[doc]}!r}" in first.source
    assert chapter_needs(nb) == [m for m in OPTIONAL if m in FRESH[doc]]


@pytest.mark.parametrize("doc", CHAPTERS)
def test_chinese_setup_cell_is_the_english_one_in_chinese(built_site: Path, doc: str) -> None:
    """The same code and choices in both languages; only its sentences are translated."""
    cells = {}
    for language, site in (("en", built_site), ("zh_CN", built_site / "zh")):
        nb = nbformat.read(site / "_sources" / f"{doc}.ipynb", as_version=4)
        cells[language] = nb.cells[0].source
        assert cells[language] == setup_cell_source(VERSION, FRESH[doc], language), language
    assert cells["en"] != cells["zh_CN"] and "无法安装" in cells["zh_CN"]


def test_no_notebook_needs_myst_nb(built_site: Path) -> None:
    """glue is the book build's bookkeeping: no notebook of either language imports myst-nb."""
    for archive in (built_site / "xent-notebooks.zip", built_site / "zh" / "xent-notebooks.zip"):
        with zipfile.ZipFile(archive) as bundle:
            names = bundle.namelist()
            assert len(names) >= 9 and all(n.startswith("xent-notebooks/") for n in names), names
            for name in names:
                nb = nbformat.reads(bundle.read(name).decode(), as_version=4)
                code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
                assert "myst_nb" not in code and not re.search(r"\bglue\(", code), name
                assert not any(
                    "scrapbook" in o.get("metadata", {})
                    for c in nb.cells
                    for o in c.get("outputs", [])
                ), f"{name}: a glue output is left"


def test_intro_page_links_the_notebooks_archive(built_site: Path) -> None:
    from test_book_build import page

    for site in (built_site, built_site / "zh"):
        links = page(site, "chapters/intro").select('a[href$="xent-notebooks.zip"]')
        assert links, f"{site}: the intro page does not link the notebooks archive"
        target = (site / "chapters" / links[0]["href"]).resolve()
        assert target == site / "xent-notebooks.zip" and target.is_file()


def _offline_env(*find_links: Path) -> dict[str, str]:
    """pip settings for a run that may use only local wheels and must reach no network."""
    nowhere = "http://127.0.0.1:9"  # a proxy that refuses: any request to the network fails
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": " ".join(str(p) for p in find_links),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "http_proxy": nowhere,
        "https_proxy": nowhere,
        "HTTP_PROXY": nowhere,
        "HTTPS_PROXY": nowhere,
        "no_proxy": "",
        "NO_PROXY": "",
    }


def test_setup_cell_installs_nothing_where_everything_is_present(tmp_path: Path) -> None:
    """In the book's own environment the cell finds xent-book of this version and every module
    and runs no pip at all (an install would fail here: no index, no wheels, no network)."""
    source = setup_cell_source(VERSION, list(OPTIONAL))
    env = {**os.environ, **_offline_env(tmp_path)}
    script = source.replace("def _pip(*args):", "def _pip(*args):\n    raise AssertionError(args)")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0 and not result.stdout, result.stdout + result.stderr


def _wheelhouse() -> Path:
    if not (WHEELHOUSE.is_dir() and any(WHEELHOUSE.glob("torch-*.whl"))):
        message = f"no wheelhouse at {WHEELHOUSE}: run .ci/wheelhouse (it needs the package index)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return WHEELHOUSE


def _fresh_kernel(
    tmp: Path, find_links: list[Path], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Path]:
    """A new virtual environment with only Python, pip and ipykernel; its kernel's name."""
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT"):
        monkeypatch.delenv(name, raising=False)  # the kernel inherits the rest of this env
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)  # pip from ensurepip: no network
    python = env_dir / "bin" / "python"
    offline = _offline_env(*find_links)
    install = [str(python), "-m", "pip", "install", "-q", "ipykernel"]
    result = subprocess.run(
        install, capture_output=True, text=True, env={**os.environ, **offline}, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    kernels = tmp / "jupyter" / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "A fresh Python",
        "language": "python",
        "env": offline,
    }
    (kernels / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    return "fresh", python


def _downloaded(built_site: Path, doc: str, folder: Path) -> Path:
    """The chapter's notebook as a reader gets it: from the site's archive of all notebooks."""
    with zipfile.ZipFile(built_site / "xent-notebooks.zip") as bundle:
        bundle.extract(f"xent-notebooks/{Path(doc).name}.ipynb", folder)
    return folder / "xent-notebooks" / f"{Path(doc).name}.ipynb"


def _seconds(cell: nbformat.NotebookNode) -> float:
    from datetime import datetime

    timing = cell.metadata["execution"]
    start, end = timing["iopub.execute_input"], timing["shell.execute_reply"]
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


@pytest.mark.slow
@pytest.mark.parametrize("doc", CHAPTERS)
def test_chapter_runs_in_a_fresh_python_with_only_its_setup_cell(
    built_site: Path, dist: Path, doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient import NotebookClient

    kernel, python = _fresh_kernel(tmp_path, [_wheelhouse(), dist], monkeypatch)
    before = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u; print([m for m in "
            f"{['xent', *OPTIONAL]!r} if u.find_spec(m)])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert before == "[]", f"the fresh environment already has {before}"
    path = _downloaded(built_site, doc, tmp_path)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, kernel_name=kernel, timeout=900, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    total = time.perf_counter() - start
    setup = _seconds(nb.cells[0])
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    after = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {p["name"].lower(): p["version"] for p in json.loads(after)}
    assert installed.get("xent-book") == VERSION, installed
    for module in FRESH[doc]:
        assert OPTIONAL[module] in installed, f"{doc}: the setup cell did not install {module}"
    others = {OPTIONAL[m] for m in OPTIONAL if m not in FRESH[doc]}
    assert not others & set(installed), f"{doc} installed what it does not use"
    print(f"\n{doc}: {total:.1f} s in a fresh Python (setup cell {setup:.1f} s)")


@pytest.mark.slow
def test_a_failed_install_says_what_to_do_in_one_sentence(
    built_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the package (offline, no wheel of xent-book): a sentence, not a traceback."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    kernel, _ = _fresh_kernel(tmp_path, [_wheelhouse()], monkeypatch)
    for doc, language in (("chapters/01_information", "en"), ("zh/chapters/01_information", "zh")):
        folder = built_site if language == "en" else built_site / "zh"
        nb = nbformat.read(folder / "_sources" / "chapters" / "01_information.ipynb", 4)
        nb.cells = nb.cells[:1]
        with pytest.raises(CellExecutionError):
            NotebookClient(nb, kernel_name=kernel, timeout=300).execute()
        (error,) = [o for o in nb.cells[0].outputs if o.output_type == "error"]
        assert error.ename == "SetupFailed", doc
        (sentence,) = error.traceback  # IPython shows the sentence alone, no traceback
        assert "Traceback" not in sentence and f"xent-book=={VERSION}" in sentence, sentence
        assert "-i https://" in sentence and "requirements.txt" in sentence, sentence
        if language == "zh":
            assert "无法安装" in sentence and "镜像" in sentence, sentence
