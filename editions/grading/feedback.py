"""Feedback per student (``nbgrader generate_feedback``), with its math rendered offline.

nbgrader's feedback template loads MathJax 2 from a CDN (``cdnjs.cloudflare.com``), so a
student who opens the file offline, or on a network that blocks the CDN, sees raw TeX. After
nbgrader has written the files, :func:`offline_math` replaces that script by the book's own
MathJax 3 (``tex-svg.js`` of ``sphinx-mathjax-offline``, the copy the website uses), inlined, so
each file renders on its own wherever it is opened (it grows by about 2 MB).
"""

from __future__ import annotations

import re
from pathlib import Path

_CDN = re.compile(
    r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/[^"]*">\s*</script>'
    r"\s*<!-- MathJax configuration -->\s*<script type=\"text/x-mathjax-config\">.*?</script>",
    re.DOTALL,
)

#: MathJax 3's settings for what Jupyter writes: $...$ inline, $$...$$ display, AMS numbers.
CONFIG = (
    "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
    "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, "
    "processEnvironments: true, tags: 'ams'}, svg: {fontCache: 'global'}};</script>"
)


def offline_math(html: str) -> str:
    """``html`` with its CDN MathJax replaced by the inlined offline copy (unchanged if none).

    Examples
    --------
    >>> offline_math("<p>no math script</p>")
    '<p>no math script</p>'
    """
    if not _CDN.search(html):
        return html
    from editions.website import mathjax_source

    script = (mathjax_source() / "tex-svg.js").read_text(encoding="utf-8")
    script = re.sub(r"</(script)", r"<\\/\1", script, flags=re.IGNORECASE)  # no early close
    inline = f"{CONFIG}\n<script>{script}</script>"
    return _CDN.sub(lambda _: inline, html, count=1)


def fix_feedback(course_dir: str | Path) -> list[Path]:
    """Make every feedback file of the course render its math offline; the files changed."""
    changed = []
    for path in sorted(Path(course_dir).glob("feedback/*/*/*.html")):
        html = path.read_text(encoding="utf-8")
        fixed = offline_math(html)
        if fixed != html:
            path.write_text(fixed, encoding="utf-8")
            changed.append(path)
    return changed
