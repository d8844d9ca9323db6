"""Every example in the xent docstrings runs and prints what it claims, and none is missing."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import xent

MODULES = [
    importlib.import_module(f"xent.{m.name}")
    for m in pkgutil.iter_modules(xent.__path__)
    if not m.name.startswith("_")
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module) -> None:
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_public_functions_have_examples(module) -> None:
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.isfunction(obj):
            assert "Examples" in (obj.__doc__ or ""), f"{module.__name__}.{name} has no example"


def test_stdlib_code_module_is_not_shadowed() -> None:
    import code
    import pdb  # noqa: F401  (pdb imports the standard library's `code`)

    assert hasattr(code, "InteractiveConsole"), "the repository's code/ folder shadows stdlib code"
