"""How fast the website builds and how heavy its pages are, measured in one run on this machine.

    .venv/bin/python benchmarks/bench_site.py

It copies the book (the working tree, without .git, .venv and _build) to a temporary folder, so
that edits made meanwhile do not disturb it, and measures

1. a cold, full, strict build with execution (the README's build command: ``--all``);
2. a rebuild with nothing changed (the same command without ``--all``: Sphinx re-reads, and so
   re-executes, only the chapters whose source changed; here none);
3. each chapter's execution time during the cold build (myst-nb records it in the environment);
4. each page's transfer weight: the page and every file the browser loads for it (found by
   opening the page in headless Chromium and reading the Resource Timing list once MathJax and
   the fonts are done), raw and gzip-compressed as GitHub Pages serves text files;
5. the wall time of the browser test suite over that build.

It prints a table and checks the targets: the no-change rebuild at least 10x faster than the cold
build, no chapter over 10 s of execution, no page over 2 MB transferred. The exit code is 1 if a
target is missed. This is a benchmark, not a test: CI does not run it.
"""

from __future__ import annotations

import argparse
import gzip
import os
import pickle
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_book_build import toc_files  # noqa: E402
from test_site_browser import SiteServer  # noqa: E402

from conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402

JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "_build", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache"
)
TEXT_SUFFIXES = {".html", ".js", ".css", ".svg", ".json", ".txt", ".xml", ".map"}
MB = 1_000_000

TARGET_REBUILD_SPEEDUP = 10.0
TARGET_CHAPTER_SECONDS = 10.0
TARGET_PAGE_BYTES = 2 * MB

# Resolves once the page, its math and its fonts are done; returns every URL it loaded.
LOADED_URLS_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await document.fonts.ready;
  for (const img of document.images) img.loading = 'eager';
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  await new Promise(resolve => setTimeout(resolve, 300));
  return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)];
}
"""


def build(book: Path, *extra: str) -> tuple[float, str]:
    """Build the book strictly; return the wall time and the log."""
    cmd = [JUPYTER_BOOK, "build", str(book), "-W", "-n", "--keep-going", *extra]
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=book, check=False)
    elapsed = time.perf_counter() - start
    log = result.stdout + result.stderr
    if result.returncode != 0:
        sys.exit(f"build failed ({' '.join(cmd)}):\n{log[-4000:]}")
    return elapsed, log


def docs_reread(log: str) -> int:
    """How many sources Sphinx read (and so myst-nb executed) in a build, from its log."""
    match = re.search(r"updating environment: .*?(\d+) added, (\d+) changed", log)
    return int(match.group(1)) + int(match.group(2)) if match else -1


def execution_times(book: Path) -> dict[str, float]:
    """Seconds each notebook took to execute, as myst-nb recorded them during the build."""
    with (book / "_build" / ".doctrees" / "environment.pickle").open("rb") as f:
        env = pickle.load(f)
    times = {}
    for docname, data in sorted(getattr(env, "nb_metadata", {}).items()):
        exec_data = data.get("exec_data")
        if exec_data and exec_data.get("runtime") is not None:
            times[docname] = float(exec_data["runtime"])
    return times


def file_for(url: str, html_dir: Path) -> Path | None:
    path = unquote(urlparse(url).path).lstrip("/") or "index.html"
    target = html_dir / path
    return target if target.is_file() else None


def page_weights(html_dir: Path, docs: list[str]) -> dict[str, tuple[int, int, int]]:
    """Per page: (files loaded, raw bytes, gzip bytes) of the page and everything it loads."""
    from playwright.sync_api import sync_playwright

    weights = {}
    gzipped: dict[Path, int] = {}
    with SiteServer(html_dir) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for doc in docs:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if urlparse(route.request.url).hostname == "127.0.0.1"
                    else route.abort()
                ),
            )
            page.goto(f"{site.url}{doc}.html", wait_until="load")
            urls = page.evaluate(LOADED_URLS_JS)
            context.close()
            files = {f for f in (file_for(u, html_dir) for u in urls) if f is not None}
            raw = sum(f.stat().st_size for f in files)
            for f in files - gzipped.keys():
                data = f.read_bytes()
                gzipped[f] = len(gzip.compress(data, 6)) if f.suffix in TEXT_SUFFIXES else len(data)
            weights[doc] = (len(files), raw, sum(gzipped[f] for f in files))
        browser.close()
    return weights


def browser_suite_seconds(html_dir: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["XENT_BUILT_SITE"] = str(html_dir)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    start = time.perf_counter()
    result = subprocess.run(
        [*cmd, "tests/test_site_browser.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    last = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"  browser suite: {last}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary build")
    args = parser.parse_args()
    if chromium_path() is None:
        sys.exit("Chromium is needed for the page weights (apt-get install chromium)")

    tmp = Path(tempfile.mkdtemp(prefix="xent-bench-"))
    book = tmp / "book"
    shutil.copytree(ROOT, book, ignore=COPY_IGNORE)
    print(f"book copied to {book}")

    print("cold build (--all, with execution)...", flush=True)
    cold, _ = build(book, "--all")
    print("rebuild with nothing changed (3 times)...", flush=True)
    rebuilds = [build(book) for _ in range(3)]
    warm = statistics.median(seconds for seconds, _ in rebuilds)
    reread = max(docs_reread(log) for _, log in rebuilds)
    exec_times = execution_times(book)
    html_dir = book / "_build" / "html"
    print("page weights in Chromium...", flush=True)
    docs = [*toc_files(), "search"]
    weights = page_weights(html_dir, docs)
    print("browser test suite over this build...", flush=True)
    suite = browser_suite_seconds(html_dir)
    site_bytes = sum(f.stat().st_size for f in html_dir.rglob("*") if f.is_file())

    ok = True

    def check(passed: bool) -> str:
        nonlocal ok
        ok &= passed
        return "ok" if passed else "MISSED"

    speedup = cold / warm
    print("\n| Measure | Value | Target | |")
    print("|---|---:|---|---|")
    print(f"| Cold build (`--all`, executes every chapter) | {cold:.1f} s | | |")
    runs = ", ".join(f"{seconds:.1f}" for seconds, _ in rebuilds)
    print(
        f"| No-change rebuild (median of {runs} s; sources re-read: {reread}) | {warm:.1f} s "
        f"| ≥ {TARGET_REBUILD_SPEEDUP:.0f}x faster: {speedup:.1f}x "
        f"| {check(speedup >= TARGET_REBUILD_SPEEDUP)} |"
    )
    print(f"| Browser test suite (`tests/test_site_browser.py`) | {suite:.1f} s | | |")
    print(f"| Whole site on disk | {site_bytes / MB:.1f} MB | | |")

    print("\n| Chapter | Execution | Target ≤ 10 s |")
    print("|---|---:|---|")
    for doc, seconds in exec_times.items():
        print(f"| {doc} | {seconds:.2f} s | {check(seconds <= TARGET_CHAPTER_SECONDS)} |")
    print(f"| total | {sum(exec_times.values()):.2f} s | |")

    print("\n| Page | Files | Raw | Transferred (gzip) | Target ≤ 2 MB |")
    print("|---|---:|---:|---:|---|")
    for doc, (count, raw, zipped) in weights.items():
        verdict = check(zipped <= TARGET_PAGE_BYTES)
        print(f"| {doc} | {count} | {raw / MB:.2f} MB | {zipped / MB:.2f} MB | {verdict} |")

    if args.keep:
        print(f"\nbuild kept in {html_dir}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\nall targets met" if ok else "\nsome targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
