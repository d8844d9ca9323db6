"""The accessibility audit of the Chinese site: the tests of tests/test_a11y.py, on ``zh/``.

A file of its own so that, with ``--dist loadfile``, the two languages' audits (the suite's
longest file each) run on two workers at once.
"""

from __future__ import annotations

from test_a11y import *  # noqa: F403 (the tests, the fixture and pytest_generate_tests)

LANGUAGE = "zh"
