"""Leave the answer keys out of xent's wheel (the rest of the configuration is pyproject.toml).

``code/xent/checks/ch*.py`` hold the checkers with the right answers: the book's build, the test
suite and the instructor's autograder use them from the repository (an editable install), but
the package students install (``pip install`` from the repository, as the notebooks' first cell
does) leaves them out, and its ``xent.checks.check`` works from the answers' fingerprints
(``xent/data/check_fingerprints.json``). See ``editions/grading/hidden.py``.
"""

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithoutKeys(build_py):
    """build_py that skips the modules ``xent.checks.ch*`` (an editable install keeps them)."""

    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        if package == "xent.checks" and not getattr(self, "editable_mode", False):
            modules = [m for m in modules if not m[1].startswith("ch")]
        return modules


setup(cmdclass={"build_py": BuildPyWithoutKeys})
