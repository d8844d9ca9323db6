"""The evidence rule of the README ("Writing a chapter: evidence"), as far as a test can check it.

- No chapter's code asserts, compares or checks a wall-clock timing (a re-measurement on
  another machine must not break the build).
- No chapter checks an inequality through a function that clamps its result into it (a check
  must be able to fail).
- Every results file a chapter reads exists and comes from a script (``experiments/`` or
  ``benchmarks/``); ``tests/test_experiments.py`` fails when one is stale.
- A comparative claim marked ``% evidence: <stem>`` has its interval glued (``<stem>_ci_low`` and
  ``<stem>_ci_high``, or ``<stem>_spread``) and shown in the marked paragraph; chapters 4, 8
  and 9 mark their claims.

Each detector is tested on code that breaks the rule, so that a pass means something.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import pytest

from conftest import ROOT

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.md"))
IDS = [p.stem for p in CHAPTERS]

#: Chapters whose comparative claims must be marked, with the stems each must contain. The
#: chapters 8 and 9 choose their own stems (any marker counts, and each must be satisfied).
REQUIRED: dict[str, set[str]] = {
    "04_maximum_likelihood": {"gap_small", "gap_large"},
    "08_language_models": set(),
    "09_calibration": set(),
}

# ---------------------------------------------------------------------------------------------
# Reading a chapter


def cells(path: Path) -> list[tuple[str, str]]:
    """(cell type, source) of every cell of a MyST notebook."""
    return [(c.cell_type, c.source) for c in jupytext.read(path, fmt="md:myst").cells]


def python_of(source: str) -> str:
    """A code cell's source without IPython magics and shell lines (which are not Python)."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def code_modules(path: Path) -> list[ast.Module]:
    return [ast.parse(python_of(src)) for kind, src in cells(path) if kind == "code"]


# ---------------------------------------------------------------------------------------------
# Wall-clock timings in asserts and comparisons

TIMING_MODULES = {"time", "timeit"}
TIMING_FUNCTIONS = {
    "time",
    "time_ns",
    "perf_counter",
    "perf_counter_ns",
    "monotonic",
    "monotonic_ns",
    "process_time",
    "process_time_ns",
    "thread_time",
    "default_timer",
    "timeit",
    "repeat",
}
#: A results-file key or a name that holds a timing (``bench["xent"]["seconds"]``,
#: ``ratios["xent_time_streamed_over_logits"]``, ``elapsed``).
TIMING_WORD = re.compile(
    r"(?:^|_)(?:seconds?|secs?|elapsed|duration|wall|timings?|time|speed|speedup|latency)"
    r"(?:_|$)",
    re.IGNORECASE,
)
CHECK_CALL = re.compile(r"^(?:isclose|allclose|assert\w*|check|expect\w*)$")


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _assigned_names(node: ast.AST) -> list[str]:
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.NamedExpr):
        targets = [node.target]
    elif isinstance(node, ast.For | ast.comprehension):
        targets = [node.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _tainted(modules: list[ast.Module], is_source, rounds: int = 2) -> set[str]:
    """Names assigned from an expression that is_source flags, following assignments
    ``rounds`` deep (``start = clock()``; ``elapsed = clock() - start``). Loops are not followed:
    names are not scoped here, and a loop variable reused across cells would spread the taint
    to unrelated code."""
    names: set[str] = set()
    for _ in range(rounds):
        new = set(names)
        for module in modules:
            for node in ast.walk(module):
                if not isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.NamedExpr):
                    continue
                if any(is_source(sub, names) for sub in ast.walk(node.value)):
                    new.update(_assigned_names(node))
        names = new
    return names


def _timing_imports(modules: list[ast.Module]) -> set[str]:
    """Local names bound to timing functions (``from time import perf_counter as clock``)."""
    return {
        alias.asname or alias.name
        for module in modules
        for node in ast.walk(module)
        if isinstance(node, ast.ImportFrom) and node.module in TIMING_MODULES
        for alias in node.names
        if alias.name in TIMING_FUNCTIONS
    }


def _is_timing_source(imported: set[str]):
    def is_source(node: ast.AST, names: set[str]) -> bool:
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in TIMING_FUNCTIONS
                and isinstance(func.value, ast.Name)
                and func.value.id in TIMING_MODULES
            ):
                return True
            if isinstance(func, ast.Name) and func.id in imported:
                return True
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
            return isinstance(key, str) and bool(TIMING_WORD.search(key))
        if isinstance(node, ast.Attribute):
            return bool(TIMING_WORD.search(node.attr))
        if isinstance(node, ast.Name):
            return node.id in names or bool(TIMING_WORD.search(node.id))
        return False

    return is_source


def _mentions(node: ast.AST, is_source, names: set[str]) -> bool:
    """Whether an expression reads a timing, ignoring string constants that are only text."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.JoinedStr):  # an f-string message is not a comparison operand
            continue
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            continue
        if is_source(sub, names):
            return True
    return False


def timing_violations(modules: list[ast.Module]) -> list[str]:
    """Asserts, comparisons and check calls whose operands read a wall-clock timing."""
    is_source = _is_timing_source(_timing_imports(modules))
    names = _tainted(modules, is_source)
    found = []
    for module in modules:
        for node in ast.walk(module):
            if isinstance(node, ast.Assert):
                operands = [node.test]
            elif isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
            elif isinstance(node, ast.Call) and CHECK_CALL.match(_call_name(node)):
                operands = [*node.args, *(k.value for k in node.keywords)]
            else:
                continue
            if any(_mentions(op, is_source, names) for op in operands):
                found.append(ast.unparse(node).splitlines()[0][:120])
    return found


# ---------------------------------------------------------------------------------------------
# Inequalities "checked" through a clamping function

#: Functions whose result is forced to one side of a bound: from below (``>= bound``) or above.
CLAMP_BELOW = {"kl_divergence", "relu", "abs", "fabs", "absolute", "clamp_min"}
CLAMP_ABOVE = {"clamp_max"}
CLAMP_BOTH = {"clip", "clamp"}
MAX_LIKE, MIN_LIKE = {"max", "maximum", "fmax"}, {"min", "minimum", "fmin"}


def _constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)
    )


def _clamp_side(node: ast.AST) -> set[str]:
    """{"below"} / {"above"} / both, for a call that clamps its result (``max(x, 0)``,
    ``np.clip``, ``info.kl_divergence``); empty otherwise. ``max``/``min`` count only with a
    constant among their arguments (``max(worst, gap)`` is a running maximum, not a clamp)."""
    if not isinstance(node, ast.Call):
        return set()
    name = _call_name(node)
    if name in CLAMP_BELOW:
        return {"below"}
    if name in CLAMP_ABOVE:
        return {"above"}
    if name in CLAMP_BOTH:
        return {"below", "above"}
    if name in MAX_LIKE | MIN_LIKE and any(_constant(a) for a in node.args):
        return {"below"} if name in MAX_LIKE else {"above"}
    return set()


def clamp_violations(modules: list[ast.Module]) -> list[str]:
    """Comparisons that a clamp guarantees: a clamped value (a clamping call, or a name assigned
    directly from one) checked against a constant on the side the clamp enforces, such as
    ``info.kl_divergence(p, q) >= 0`` or ``(kl >= 0).all()`` after ``kl = kl_divergence(...)``."""
    sides: dict[str, set[str]] = {}
    for module in modules:
        for node in ast.walk(module):
            if isinstance(node, ast.Assign) and _clamp_side(node.value):
                for name in _assigned_names(node):
                    sides.setdefault(name, set()).update(_clamp_side(node.value))

    def side(node: ast.AST) -> set[str]:
        if isinstance(node, ast.Name):
            return sides.get(node.id, set())
        return _clamp_side(node)

    found = []
    for module in modules:
        for node in ast.walk(module):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
                if isinstance(op, ast.GtE | ast.Gt):
                    big, small = left, right
                elif isinstance(op, ast.LtE | ast.Lt):
                    big, small = right, left
                else:
                    continue
                if (_constant(small) and "below" in side(big)) or (
                    _constant(big) and "above" in side(small)
                ):
                    found.append(ast.unparse(node)[:120])
    return found


# ---------------------------------------------------------------------------------------------
# Evidence markers

MARKER = re.compile(r"^%\s*evidence:\s*(.+?)\s*$")
GLUED = re.compile(r"""\bglue\(\s*(['"])([^'"]+)\1""")
#: An f-string key glued in a loop (glue(f"ts_{name}_lo", ...)): it glues every key of its shape.
GLUED_SHAPE = re.compile(r"""\bglue\(\s*f(['"])([^'"]+)\1""")
#: The two ways to name an interval's ends.
INTERVAL_ENDS = (("_ci_low", "_ci_high"), ("_lo", "_hi"))
SHOWN = re.compile(r"\{glue(?::\w+)?\}`([^`:<]+)")
NO_DIFFERENCE = re.compile(r"no\s+detectable\s+difference", re.IGNORECASE)


def markers(text_cells: list[str]) -> list[tuple[str, bool, str]]:
    """(stem, includes_zero, paragraph) for every ``% evidence:`` line of the markdown."""
    found = []
    for source in text_cells:
        lines = source.splitlines()
        for i, line in enumerate(lines):
            match = MARKER.match(line.strip())
            if not match:
                continue
            paragraph = []
            for following in lines[i + 1 :]:
                if not following.strip():
                    break
                paragraph.append(following)
            for item in match.group(1).split(","):
                words = item.split()
                if words:
                    found.append((words[0], "includes-zero" in words[1:], "\n".join(paragraph)))
    return found


def marker_problems(chapter_cells: list[tuple[str, str]]) -> list[str]:
    """What is missing for each marked claim of a chapter (empty when all are backed)."""
    code = [src for kind, src in chapter_cells if kind == "code"]
    literal = {m.group(2) for src in code for m in GLUED.finditer(src)}
    shapes = [
        re.compile(re.sub(r"\\\{[^}]*\\\}", r"\\w+", re.escape(m.group(2))) + "$")
        for src in code
        for m in GLUED_SHAPE.finditer(src)
    ]

    def is_glued(key: str) -> bool:
        return key in literal or any(shape.match(key) for shape in shapes)

    problems = []
    for stem, includes_zero, paragraph in markers([s for k, s in chapter_cells if k == "markdown"]):
        shown = set(SHOWN.findall(paragraph))
        pairs = [(f"{stem}{low}", f"{stem}{high}") for low, high in INTERVAL_ENDS]
        pair = next((p for p in pairs if all(is_glued(k) for k in p)), pairs[0])
        spread = f"{stem}_spread"
        if all(is_glued(k) for k in pair):
            keys: tuple[str, ...] = pair
        elif is_glued(spread):
            keys = (spread,)
        else:
            problems.append(
                f"{stem}: glue {pair[0]!r} and {pair[1]!r}, or {spread!r} (a literal key, or an"
                " f-string key of that shape)"
            )
            continue
        missing = [k for k in keys if k not in shown]
        if missing:
            problems.append(f"{stem}: the paragraph after its marker does not show {missing}")
        if not paragraph.strip():
            problems.append(f"{stem}: the marker is not followed by a paragraph")
        if includes_zero and not NO_DIFFERENCE.search(paragraph):
            problems.append(
                f"{stem}: the interval includes no difference; say 'no detectable difference'"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# The detectors catch what they are meant to catch


def _modules(code: str) -> list[ast.Module]:
    return [ast.parse(code)]


@pytest.mark.parametrize(
    "code",
    [
        'ratios = bench["ratios"]\nassert 0.6 <= ratios["xent_time_streamed_over_logits"] <= 1.5',
        "import time\nt0 = time.perf_counter()\nwork()\nassert time.perf_counter() - t0 < 1.0",
        "from time import perf_counter as clock\nstart = clock()\nwork()\n"
        "elapsed = clock() - start\nfaster = elapsed < other",
        'fast = bench["xent"]["seconds"]\nslow = bench["torch"]["seconds"]\n'
        'check("x", ok=fast < slow)',
        "import timeit\nt = min(timeit.repeat(f, number=3))\nassert t < 0.5",
        'import math\nassert math.isclose(bench["speedup"], 2.0, rel_tol=0.5)',
    ],
)
def test_timing_detector_catches_a_timing_assert(code: str) -> None:
    assert timing_violations(_modules(code))


@pytest.mark.parametrize(
    "code",
    [
        'glue("bench_s", bench["xent"]["seconds"], display=False)\nprint(f"{elapsed:.1f} s")',
        "steps = 300\nassert steps > 0\nassert worst < 1e-6",
        'import time\nprint("measured", time.strftime("%Y"))\nassert len(rows) == 4',
    ],
)
def test_timing_detector_lets_quoting_a_timing_pass(code: str) -> None:
    assert timing_violations(_modules(code)) == []


@pytest.mark.parametrize(
    "code",
    [
        "kl = info.kl_divergence(p, q)\nassert (kl >= 0).all()",
        "assert info.kl_divergence(p, q) >= 0",
        "gap = np.maximum(h_pq - h_p, 0.0)\nok = (gap >= 0).all()",
        "assert max(total, 0) >= 0",
    ],
)
def test_clamp_detector_catches_a_clamped_check(code: str) -> None:
    assert clamp_violations(_modules(code))


@pytest.mark.parametrize(
    "code",
    [
        "kl = info.kl_terms(p, q).sum(axis=-1)\nassert (kl >= -1e-12).all()",
        "worst = 0.0\nfor g in gaps:\n    worst = max(worst, g)\nassert worst < 1e-6",
        "kl = info.kl_divergence(p, q)\nprint(kl)",
    ],
)
def test_clamp_detector_lets_an_honest_check_pass(code: str) -> None:
    assert clamp_violations(_modules(code)) == []


GOOD_CHAPTER = [
    (
        "code",
        'glue("acc_gain", 1.2)\nglue("acc_gain_ci_low", 0.4)\nglue("acc_gain_ci_high", 2.0)\n'
        'glue("nll_diff_spread", 0.3)',
    ),
    (
        "markdown",
        "Intro.\n\n% evidence: acc_gain\nSmoothing raised accuracy by "
        "{glue:text}`acc_gain:.1f` points (95% interval {glue:text}`acc_gain_ci_low:.1f`"
        " to\n{glue:text}`acc_gain_ci_high:.1f`).\n\n% evidence: nll_diff includes-zero\n"
        "There is no detectable difference in NLL (spread {glue:text}`nll_diff_spread`).",
    ),
]


def test_markers_of_a_well_backed_chapter_pass() -> None:
    assert markers([GOOD_CHAPTER[1][1]])[0][0] == "acc_gain"
    assert marker_problems(GOOD_CHAPTER) == []


def test_an_interval_glued_in_a_loop_counts_and_a_missing_one_does_not() -> None:
    looped = (
        "code",
        'for name, (lo, hi) in intervals.items():\n    glue(f"ts_{name}_lo", lo)\n'
        '    glue(f"ts_{name}_hi", hi)',
    )
    shown = (
        "markdown",
        "% evidence: ts_nll\nDown by {glue:text}`ts_nll_lo` to {glue:text}`ts_nll_hi`.",
    )
    assert marker_problems([looped, shown]) == []
    assert marker_problems([("code", 'glue(f"ts_{name}_lo", lo)'), shown])  # no upper end


@pytest.mark.parametrize(
    "broken",
    [
        # the interval is glued but not shown in the marked paragraph
        [GOOD_CHAPTER[0], ("markdown", "% evidence: acc_gain\nSmoothing raised accuracy.")],
        # only one end of the interval is glued
        [
            ("code", 'glue("acc_gain_ci_low", 0.4)'),
            ("markdown", "% evidence: acc_gain\nUp by {glue:text}`acc_gain_ci_low`."),
        ],
        # the interval is shown in a later paragraph, not the marked one
        [
            GOOD_CHAPTER[0],
            (
                "markdown",
                "% evidence: acc_gain\nBetter.\n\n{glue:text}`acc_gain_ci_low`"
                " {glue:text}`acc_gain_ci_high`",
            ),
        ],
        # an interval that includes 0, explained as a difference
        [
            GOOD_CHAPTER[0],
            (
                "markdown",
                "% evidence: nll_diff includes-zero\nIt helps, because "
                "{glue:text}`nll_diff_spread`.",
            ),
        ],
    ],
)
def test_markers_catch_an_unbacked_claim(broken) -> None:
    assert marker_problems(broken)


# ---------------------------------------------------------------------------------------------
# The chapters


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_chapter_asserts_a_timing(path: Path) -> None:
    found = timing_violations(code_modules(path))
    assert not found, (
        f"{path.name} asserts or compares a wall-clock timing (another machine would break the "
        "build); quote timings from a benchmark's results file instead:\n" + "\n".join(found)
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_chapter_checks_an_inequality_through_a_clamp(path: Path) -> None:
    found = clamp_violations(code_modules(path))
    assert not found, (
        f"{path.name} checks an inequality on a value a function forced to satisfy it, so the "
        "check cannot fail; compute the quantity itself (e.g. info.kl_terms(p, q).sum(-1)):\n"
        + "\n".join(found)
    )


RESULTS = re.compile(r"""data/([\w.-]+\.json)""")


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_quoted_results_files_exist_and_have_a_script(path: Path) -> None:
    code = "\n".join(src for kind, src in cells(path) if kind == "code")
    for name in RESULTS.findall(code):
        stem = name.removesuffix(".json")
        assert (ROOT / "code" / "xent" / "data" / name).exists(), f"{path.name} reads {name}"
        experiment = ROOT / "experiments" / f"{stem}.py"
        benchmark = [p for p in (ROOT / "benchmarks").glob("*.py") if stem in p.read_text("utf-8")]
        assert experiment.exists() or benchmark, (
            f"{path.name} reads data/{name}, which no experiments/ or benchmarks/ script writes"
        )


def test_every_experiment_has_its_results_file() -> None:
    """(tests/test_experiments.py re-runs each script and fails when its file is stale.)"""
    for script in (ROOT / "experiments").glob("*.py"):
        if script.name != "common.py":
            assert (ROOT / "code" / "xent" / "data" / f"{script.stem}.json").exists(), script.name


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_marked_claims_have_glued_intervals(path: Path) -> None:
    problems = marker_problems(cells(path))
    assert not problems, f"{path.name}: a marked claim lacks its evidence:\n" + "\n".join(problems)


@pytest.mark.parametrize("stem", sorted(REQUIRED))
def test_required_chapters_mark_their_claims(stem: str) -> None:
    path = ROOT / "chapters" / f"{stem}.md"
    text = [src for kind, src in cells(path) if kind == "markdown"]
    marked = {m[0] for m in markers(text)}
    assert marked, (
        f"{path.name} makes comparative claims that rest on random samples; mark each with "
        "'% evidence: <stem>' and glue its interval (README, 'Writing a chapter: evidence')"
    )
    assert REQUIRED[stem] <= marked, f"{path.name} lacks markers {REQUIRED[stem] - marked}"
