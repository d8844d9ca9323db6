"""What every experiment script shares: where its results file lives, and how it is written.

An experiment is a run too slow for a chapter's ten-second budget (many seeds, many splits):
``experiments/<name>.py`` defines ``run() -> dict`` (seeded, deterministic, JSON-ready) and
writes it with :func:`write` to ``code/xent/data/<name>.json``, which ships with ``xent`` so a
chapter (and its notebook, anywhere) reads it with ``importlib.resources``. Scripts call
``torch.set_num_threads(1)`` so that a re-run gives the same numbers.
``tests/test_experiments.py`` runs every script again and fails when its file is stale.
Keys that start with ``_`` (the machine, the seconds taken) are not compared.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "code" / "xent" / "data"


def results_path(name: str) -> Path:
    """The results file of experiment ``name``."""
    return DATA / f"{name}.json"


def write(name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run an experiment and write its results file (with the machine and time it took)."""
    start = time.perf_counter()
    data = run()
    data["_machine"] = f"{platform.machine()}, {platform.processor() or 'unknown CPU'}"
    data["_seconds"] = round(time.perf_counter() - start, 1)
    results_path(name).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")
    print(json.dumps(data, indent=1, sort_keys=True))
    return data
