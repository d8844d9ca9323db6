"""The benchmark scripts are not run by the tests (they time things), but they must still load."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import ROOT

SCRIPTS = sorted((ROOT / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_script_imports(script) -> None:
    spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # runs imports and definitions, not the __main__ block
    assert callable(getattr(module, "main", None)), f"{script.name} has no main()"
