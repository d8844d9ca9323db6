"""Every experiment's results file is what its script computes now (none is stale).

The chapters quote multi-seed results from ``code/xent/data/<name>.json``; each is written by
``experiments/<name>.py`` (see ``experiments/common.py``). This test runs each script's
``run()`` again and compares: a changed script, or a change in ``xent`` that moves a number,
fails here until the file is written again (``python experiments/<name>.py``).
"""

from __future__ import annotations

import importlib.util
import json
import math
from typing import Any

import pytest

from conftest import ROOT

SCRIPTS = sorted(p for p in (ROOT / "experiments").glob("*.py") if p.name != "common.py")


def load(script):
    spec = importlib.util.spec_from_file_location(f"experiment_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Where two JSON values differ (numbers to a relative 1e-3; keys '_...' ignored)."""
    if isinstance(old, dict) and isinstance(new, dict):
        keys = {k for k in old.keys() | new.keys() if not k.startswith("_")}
        return [d for k in sorted(keys) for d in differences(old.get(k), new.get(k), f"{where}.{k}")]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, f"{where}[{i}]")]
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool):
        if math.isclose(old, new, rel_tol=1e-3, abs_tol=1e-6):
            return []
    elif old == new:
        return []
    return [f"{where or 'the results'}: file has {old!r}, the script now gives {new!r}"]


def test_differences_finds_a_changed_number() -> None:
    assert differences({"a": [1.0, 2.0], "_seconds": 3}, {"a": [1.0, 2.0], "_seconds": 9}) == []
    assert differences({"a": [1.0, 2.0]}, {"a": [1.0, 2.1]}) != []
    assert differences({"a": 1}, {"b": 1}) != []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_results_file_is_current(script) -> None:
    module = load(script)
    path = ROOT / "code" / "xent" / "data" / f"{script.stem}.json"
    assert path.exists(), f"{script.name} has no results file: run python experiments/{script.name}"
    stale = differences(json.loads(path.read_text("utf-8")), module.run())
    assert not stale, f"{path.name} is stale; run python experiments/{script.name}:\n" + "\n".join(
        stale[:20]
    )
