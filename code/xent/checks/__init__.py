"""Self-checks for the book's coding exercises: a right answer passes, a wrong one gets a hint.

Each coding exercise ends with a check cell such as ``check("ex-info-units", p=p, bits=bits)``.
``check`` prints a short confirmation when the answers are right and otherwise raises
:class:`CheckFailed` (an ``AssertionError``, so autograders count it as a failed test) with a
message that says *what* is off (too large, the wrong unit, not a probability...) but never what
the right value is.

The checkers themselves live in one module per chapter, ``xent/checks/chNN_<stem>.py``, and are
registered with :func:`register`; they are discovered the first time :func:`check` runs.

Those modules hold the answer keys, so they are in the repository (the book's build, the test
suite and the instructor's autograder use them) but not in the package students install: a wheel
of xent leaves them out (``setup.py``), and the student edition's autograder runs submissions
with such a copy. There, :func:`check` works from ``data/check_fingerprints.json`` instead
(written by ``python -m editions.grading.fingerprints``): a slow salted hash (PBKDF2) of each
right answer rounded to a few significant digits, which says "Correct" for a right answer
without holding it, and the hints of the known mistakes, found by the same hash. Without the key
it cannot say "too large" or "too small" (that would give the answer away by bisection), so an
answer that is neither right nor a known mistake gets the exercise's general hint.

Languages: the messages are written in English, and :func:`check` says them in the language set
by :func:`set_language` or, failing that, the environment variable ``XENT_LANG`` (the Chinese
notebooks' setup cell sets ``XENT_LANG=zh_CN``); English is the default. A message is made of
sentences the checkers write (a hint, "`p` is too large.", ...) joined by spaces; :func:`translate`
says each sentence in the chosen language from the catalogue ``data/checks_<language>.json``
(English sentence, or template with ``{field}`` slots, to its translation), so a message from
the fingerprints, composed in English when they were written, is translated the same way.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import math
import numbers
import os
import pkgutil
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CheckFailed",
    "Exercise",
    "check",
    "exercises",
    "expect_array_close",
    "expect_close",
    "expect_true",
    "grade_answers",
    "keys_available",
    "language",
    "matches",
    "register",
    "set_language",
    "translate",
]


class CheckFailed(AssertionError):
    """An answer is not right yet; the message says what is off, not what the answer is."""

    def _render_traceback_(self) -> list[str]:
        """What IPython and Jupyter show: the hint alone, without a traceback into xent."""
        return [f"CheckFailed: {self}"]


# ---------------------------------------------------------------------------------------------
# Languages: the checkers write English; check() says it in the reader's language.

#: The languages :func:`check` speaks besides English (each has ``data/checks_<language>.json``).
LANGUAGES = ("en", "zh_CN")
_LANGUAGE: str | None = None
_CATALOGUES: dict[str, list[tuple[re.Pattern[str], str]]] = {}


def set_language(code: str | None) -> None:
    """Make :func:`check` speak ``code`` (``"en"`` or ``"zh_CN"``); ``None`` goes back to the
    environment variable ``XENT_LANG`` (English when it is not set).

    Examples
    --------
    >>> set_language("zh_CN")
    >>> check("ex-info-units", p=math.exp(-3), bits=3 / math.log(2))
    正确（ex-info-units）。
    >>> set_language(None)
    """
    if code is not None and code not in LANGUAGES:
        raise ValueError(
            f"xent speaks {', '.join(map(repr, LANGUAGES))}; got {code!r} (Chinese is 'zh_CN')"
        )
    global _LANGUAGE
    _LANGUAGE = code


def language() -> str:
    """The language of :func:`check`'s messages: :func:`set_language`'s, else ``XENT_LANG``'s.

    A ``XENT_LANG`` that xent does not speak (``zh_TW``, ``de``) falls back to English, or to
    Chinese for any ``zh``.

    Examples
    --------
    >>> language()
    'en'
    """
    if _LANGUAGE is not None:
        return _LANGUAGE
    wanted = os.environ.get("XENT_LANG", "").replace("-", "_")
    if wanted in LANGUAGES:
        return wanted
    return "zh_CN" if wanted.lower().startswith("zh") else "en"


@functools.lru_cache
def _entries(code: str) -> dict[str, str]:
    """The catalogue of ``code`` as stored: English sentence or template -> translation."""
    from importlib.resources import files

    path = files("xent").joinpath(f"data/checks_{code}.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _catalogue(code: str) -> list[tuple[re.Pattern[str], str]]:
    """The catalogue of ``code``: (pattern of an English sentence, its translation), the most
    literal text first (so "`{name}` is off." wins over "`{name}` is {direction}."). A
    ``{field}`` matches text without backquotes; a field that ends the sentence takes the rest
    of the message."""
    if code not in _CATALOGUES:
        compiled = []
        entries = _entries(code).items()
        for english, translated in sorted(
            entries, key=lambda e: -len(re.sub(r"\{\w+\}", "", e[0]))
        ):
            pattern = re.escape(english)
            if re.search(r"\\\{\w+\\\}$", pattern):
                pattern = re.sub(r"\\\{(\w+)\\\}$", r"(?P<\1>.+)$", pattern)
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^`]+?)", pattern)
            compiled.append((re.compile(pattern + r"(?= |$)"), translated))
        _CATALOGUES[code] = compiled
    return _CATALOGUES[code]


def translate(message: str, code: str | None = None) -> str:
    """``message`` (English sentences joined by spaces) in language ``code`` (default:
    :func:`language`), sentence by sentence; a sentence the catalogue lacks stays English.

    A template's ``{field}`` is filled with the English text at its place, itself translated when
    the catalogue has it (``{direction}``: "too large").

    Examples
    --------
    >>> translate("`bits` is too small. Measure in bits (base 2), the default of "
    ...           "`info.entropy`.", "zh_CN")
    '`bits` 偏小。请以比特（以 2 为底）为单位，这是 `info.entropy` 的默认设置。'
    >>> translate("`bits` is too small.", "en")
    '`bits` is too small.'
    """
    code = code or language()
    if code == "en":
        return message
    text, _ = _translate_parts(message, code)
    return text


def _translate_parts(message: str, code: str) -> tuple[str, str]:
    """``message`` translated and the English left over (empty when every sentence was known)."""
    catalogue = _catalogue(code)
    out: list[str] = []
    rest = message.strip()
    while rest:
        for pattern, translated in catalogue:
            found = pattern.match(rest)
            if found:
                fields = {k: translate_field(v, code) for k, v in found.groupdict().items()}
                out.append(translated.format(**fields))
                rest = rest[found.end() :].lstrip(" ")
                break
        else:
            return "".join(out) + (" " if out else "") + rest, rest
    return "".join(out), ""


def translate_field(value: str, code: str) -> str:
    """A template's field in language ``code``: a known phrase ("too large") translated, else
    the value as it is (a name, a number, a shape)."""
    for pattern, translated in _catalogue(code):
        if "(?P<" not in pattern.pattern and pattern.fullmatch(value):
            return translated
    return value


def _say(english: str, **fields: Any) -> str:
    """One of check()'s own sentences, ``english.format(**fields)``, in the reader's language."""
    code = language()
    template = english if code == "en" else _entries(code).get(english, english)
    return template.format(**fields)


@dataclass(frozen=True)
class Exercise:
    """A registered coding exercise: its checker and examples of right and wrong answers."""

    label: str
    checker: Callable[..., None]
    correct: Mapping[str, Any]
    wrong: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    answer_names: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the answers the student must pass, in order."""
        return self.answer_names or tuple(self.correct)


_REGISTRY: dict[str, Exercise] = {}
_DISCOVERED = False


def register(
    label: str, *, correct: Mapping[str, Any], wrong: Sequence[Mapping[str, Any]] = ()
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``checker`` as the check of exercise ``label`` (a decorator).

    Parameters
    ----------
    label : str
        The exercise's label in the chapter, e.g. ``"ex-info-units"``.
    correct : mapping
        A right answer, one entry per answer name; it must pass the checker.
    wrong : sequence of mappings
        Typical mistakes; each must make the checker raise :class:`CheckFailed`.

    Returns
    -------
    callable
        The decorator, which returns the checker unchanged.

    Examples
    --------
    >>> @register("ex-demo-double", correct={"y": 4.0}, wrong=[{"y": 2.0}])
    ... def _double(y):
    ...     expect_close("y", y, 4.0, hint="Double the input, 2.")
    >>> check("ex-demo-double", y=4.0)
    Correct (ex-demo-double).
    """
    if not label.startswith("ex-"):
        raise ValueError(f"exercise labels start with 'ex-'; got {label!r}")
    if not correct:
        raise ValueError(f"{label}: give the right answer as correct={{name: value, ...}}")

    def decorator(checker: Callable[..., None]) -> Callable[..., None]:
        _REGISTRY[label] = Exercise(label, checker, dict(correct), tuple(wrong))
        return checker

    return decorator


def _key_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ch"))


def keys_available() -> bool:
    """Whether this copy of xent has the answer keys (the chapters' checks modules).

    False in the package students install, whose :func:`check` works from fingerprints.

    Examples
    --------
    >>> keys_available()  # the repository's xent (an editable install)
    True
    """
    return bool(_key_modules())


def _discover() -> None:
    """Import every chapter's checks module (``xent/checks/ch*.py``) once; without them (the
    students' package), register the fingerprint checks instead."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    modules = _key_modules()
    for name in modules:
        importlib.import_module(f"{__name__}.{name}")
    if not modules:
        _register_fingerprints()
    _DISCOVERED = True


@functools.cache
def _modules_by_label() -> dict[str, str]:
    """Exercise label -> its checks module, from the fingerprint file (empty if it has none)."""
    from importlib.resources import files

    path = files("xent").joinpath(FINGERPRINTS)
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {label: e["module"] for label, e in entries.items() if "module" in e}


def _import_checks_of(label: str) -> None:
    """Import only the checks module of ``label``: importing all of them (chapter 8's fits
    n-gram models, chapter 5's trains neurons) costs every chapter's check cell 0.3 s."""
    if label in _REGISTRY or _DISCOVERED:
        return
    module = _modules_by_label().get(label)
    if module and module in _key_modules():
        importlib.import_module(f"{__name__}.{module}")


def exercises() -> dict[str, Exercise]:
    """Every registered coding exercise, by label.

    Examples
    --------
    >>> "ex-info-units" in exercises()
    True
    """
    _discover()
    return dict(_REGISTRY)


def check(label: str, /, **answers: Any) -> None:
    """Check the answers to exercise ``label``; print "Correct" or raise :class:`CheckFailed`.

    Parameters
    ----------
    label : str
        The exercise's label, as printed in the exercise (e.g. ``"ex-info-units"``).
    **answers
        The student's answers, by the names the exercise asks for.

    Raises
    ------
    CheckFailed
        If an answer is missing, has the wrong type or value; the message gives a hint.
    ValueError
        If there is no exercise called ``label``.

    Examples
    --------
    >>> import math
    >>> check("ex-info-units", p=math.exp(-3), bits=3 / math.log(2))
    Correct (ex-info-units).
    >>> check("ex-info-units", p=math.exp(-3), bits=3.0)
    Traceback (most recent call last):
    ...
    xent.checks.CheckFailed: ex-info-units: `bits` is too small. One nat is more than one bit:
    convert by dividing by ln 2, not multiplying.
    """
    _import_checks_of(label)
    known = _REGISTRY if label in _REGISTRY else exercises()
    if answers and all(value is Ellipsis for value in answers.values()):
        # The notebook edition's placeholder: stay quiet (Run All must not stop or say anything
        # about the answer) and say what to do.
        print(
            _say(
                "{label}: not answered yet: replace the ... in the cell above by your answer.",
                label=label,
            )
        )
        return
    if label not in known:
        raise ValueError(
            f"there is no coding exercise called {label!r}; the known ones are "
            + ", ".join(sorted(known))
        )
    exercise = known[label]
    missing = [name for name in exercise.names if name not in answers]
    if missing:
        raise CheckFailed(
            _say(
                "{label}: pass your answers as {missing}, e.g. {call}"
                if len(missing) > 1
                else "{label}: pass your answer as {missing}, e.g. {call}",
                label=label,
                missing=", ".join(f"{n}={n}" for n in missing),
                call=f"check({label!r}, " + ", ".join(f"{n}={n}" for n in exercise.names) + ")",
            )
        )
    extra = [name for name in answers if name not in exercise.names]
    if extra:
        raise CheckFailed(
            _say(
                "{label}: this exercise asks for {names}; it does not use {extra}",
                label=label,
                names=", ".join(exercise.names),
                extra=", ".join(extra),
            )
        )
    try:
        exercise.checker(**answers)
    except CheckFailed as err:
        message = translate(str(err))
        raise CheckFailed(_say("{label}: {message}", label=label, message=message)) from None
    print(_say("Correct ({label}).", label=label))


def grade_answers(label: str, answers: Mapping[str, Any], module: str = "") -> None:
    """The autograder's verdict on ``answers``: return if right, raise :class:`CheckFailed`.

    The student edition's hidden tests call it in a fresh Python process with the course's own
    copy of xent (with the answer keys), never the notebook's ``check``. JSON lists (how the
    hidden test hands the answers over) become arrays. ``module`` (e.g. ``"ch02_entropy"``), if
    given, is the one checks module to import (the others may import torch: seconds).

    Examples
    --------
    >>> import math
    >>> grade_answers("ex-info-units", {"p": math.exp(-3), "bits": 3 / math.log(2)})
    >>> grade_answers("ex-info-units", {"p": 0.5, "bits": 1.0})
    Traceback (most recent call last):
    ...
    xent.checks.CheckFailed: ex-info-units: `p` is too large. A surprisal in nats uses the
    natural logarithm: undo -ln p, not -log2 p.
    """
    if not keys_available():
        raise RuntimeError("this copy of xent has no answer keys: grade with the course's copy")
    if module and label not in _REGISTRY:
        importlib.import_module(f"{__name__}.{module}")
    exercise = _REGISTRY[label] if label in _REGISTRY else exercises()[label]
    values = {
        k: np.asarray(v, dtype=float) if isinstance(v, list) else v for k, v in answers.items()
    }
    if sorted(values) != sorted(exercise.names):
        raise CheckFailed(f"{label}: expected answers {', '.join(exercise.names)}")
    try:
        exercise.checker(**values)
    except CheckFailed as err:
        raise CheckFailed(
            _say("{label}: {message}", label=label, message=translate(str(err)))
        ) from None


# ---------------------------------------------------------------------------------------------
# Fingerprints: the self-check of the students' package, which has no answer keys.

#: Where the fingerprints are, inside the package.
FINGERPRINTS = "data/check_fingerprints.json"
_SALT = b"xent-checks-v1"
_ITERATIONS = 10_000


def _rounded(value: Any, digits: Sequence[int]) -> str:
    """``value`` (a number or array) as text, entry ``i`` rounded to ``digits[i]`` significant
    digits (a shorter ``digits`` repeats its last entry)."""
    arr = np.asarray(value, dtype=float)
    arr = np.where(np.abs(arr) < 1e-12, 0.0, arr)  # -0.0 and round-off around 0 read as 0
    flat = arr.ravel()
    width = [digits[min(i, len(digits) - 1)] for i in range(flat.size)]
    numbers = " ".join(f"{x:.{d - 1}e}" for x, d in zip(flat, width, strict=True))
    return f"{arr.shape}:{numbers}"


def fingerprint(label: str, name: str, value: Any, digits: Sequence[int]) -> str:
    """A slow salted hash (PBKDF2-SHA256) of an answer, each entry rounded to its ``digits``.

    Examples
    --------
    >>> fingerprint("ex-x", "y", 0.1234567, [4]) == fingerprint("ex-x", "y", 0.12345671, [4])
    True
    """
    text = f"{label}|{name}|{_rounded(value, digits)}".encode()
    return hashlib.pbkdf2_hmac("sha256", text, _SALT, _ITERATIONS).hex()


def _register_fingerprints() -> None:
    from importlib.resources import files

    path = files("xent").joinpath(FINGERPRINTS)
    if not path.is_file():
        return
    for label, entry in json.loads(path.read_text(encoding="utf-8")).items():
        _REGISTRY[label] = Exercise(
            label, _fingerprint_checker(label, entry), {}, (), tuple(entry["names"])
        )


def _fingerprint_checker(label: str, entry: Mapping[str, Any]) -> Callable[..., None]:
    names = list(entry["names"])

    def checker(**answers: Any) -> None:
        for name in names:  # a missing, non-numeric or misshapen answer: the usual message
            shape = tuple(entry["shapes"][name])
            if shape:
                try:
                    got = np.asarray(answers[name], dtype=float)
                except (TypeError, ValueError):
                    raise CheckFailed(f"`{name}` should be an array of numbers") from None
                if got.shape != shape:
                    raise CheckFailed(
                        f"`{name}` should have shape {shape}, but it has shape {got.shape}."
                    )
                if np.isnan(got).any():
                    raise CheckFailed(f"`{name}` contains NaN.")
            else:
                _as_number(name, answers[name])
        prints = {n: fingerprint(label, n, answers[n], entry["digits"][n]) for n in names}
        for mistake in entry["mistakes"]:
            if all(prints[n] == h for n, h in mistake["fingerprints"].items()):
                raise CheckFailed(mistake["message"])
        for name in names:
            if prints[name] != entry["fingerprints"][name]:
                hint = entry["hints"].get(name, "")
                raise CheckFailed(f"`{name}` is not right yet. {hint}".strip())

    return checker


def _as_number(name: str, value: Any) -> float:
    """``value`` as a finite float, or a CheckFailed saying what it is instead."""
    if value is NotImplemented or value is None or value is Ellipsis:
        raise CheckFailed(f"`{name}` has no answer yet ({value!r}); assign a number to it")
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.ndarray):
        raise CheckFailed(f"`{name}` should be a number, but it is a {type(value).__name__}")
    arr = np.asarray(value, dtype=float)
    if arr.size != 1:
        raise CheckFailed(f"`{name}` should be a single number, but it has shape {arr.shape}")
    number = float(arr.reshape(()))
    if math.isnan(number):
        raise CheckFailed(f"`{name}` is NaN; look for a 0 * inf or a log of a negative number")
    return number


def matches(value: Any, target: float, rel: float = 1e-6) -> bool:
    """Whether ``value`` is a number within ``rel`` (relative) of ``target``.

    Checkers use it to recognise a *known* wrong answer and give the hint for that mistake;
    anything that is not a single real number simply does not match.

    Examples
    --------
    >>> matches(0.6931472, math.log(2)), matches("0.69", math.log(2)), matches(1.0, 2.0)
    (True, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.ndarray):
        return False
    arr = np.asarray(value, dtype=float)
    return arr.size == 1 and math.isclose(float(arr.reshape(())), target, rel_tol=rel)


def expect_close(
    name: str,
    value: Any,
    target: float,
    *,
    hint: str = "",
    too_small: str = "",
    too_large: str = "",
    rel: float = 1e-6,
    abs: float = 1e-9,
) -> None:
    """Raise :class:`CheckFailed` unless ``value`` is a number close to ``target``.

    The message says whether ``value`` is too large or too small and adds ``hint``; it never
    shows ``target``.

    Parameters
    ----------
    name : str
        The answer's name, as the student wrote it.
    value : Any
        The student's answer.
    target : float
        The right value (kept secret).
    hint : str
        What a typical mistake looks like, in a sentence that does not give the answer away.
    too_small, too_large : str
        Extra hints shown only when ``value`` is below (above) ``target``.
    rel, abs : float
        Relative and absolute tolerance, as in :func:`math.isclose`.

    Examples
    --------
    >>> expect_close("h", 1.0, 1.0)
    >>> expect_close("h", 0.69, 1.0, hint="Bits, not nats.")
    Traceback (most recent call last):
    ...
    xent.checks.CheckFailed: `h` is too small. Bits, not nats.
    """
    number = _as_number(name, value)
    if math.isinf(target) and number == target:
        return
    if math.isclose(number, target, rel_tol=rel, abs_tol=abs):
        return
    if math.isinf(number):
        raise CheckFailed(
            f"`{name}` is infinite, but the answer is a finite number. {hint}".strip()
        )
    direction = "too large" if number > target else "too small"
    extra = too_large if number > target else too_small
    if target != 0 and (number > 0) != (target > 0):
        direction = "of the wrong sign" if number != 0 else "zero"
    raise CheckFailed(" ".join(s for s in (f"`{name}` is {direction}.", extra, hint) if s))


def expect_array_close(
    name: str, value: Any, target: Any, *, hint: str = "", rel: float = 1e-6, abs: float = 1e-9
) -> None:
    """Raise :class:`CheckFailed` unless ``value`` is an array close to ``target``, entry-wise.

    The message names the wrong shape or the first wrong entry (too large or too small), never
    the right values.

    Examples
    --------
    >>> expect_array_close("q", [0.25, 0.75], [0.25, 0.75])
    >>> expect_array_close("q", [0.5, 0.5], [0.25, 0.75])
    Traceback (most recent call last):
    ...
    xent.checks.CheckFailed: `q` is off at index 0: that entry is too large.
    >>> expect_array_close("q", [1.0], [0.25, 0.75])
    Traceback (most recent call last):
    ...
    xent.checks.CheckFailed: `q` should have shape (2,), but it has shape (1,).
    """
    want = np.asarray(target, dtype=float)
    try:
        got = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"`{name}` should be an array of numbers, but it is a {type(value).__name__}"
        ) from None
    if got.shape != want.shape:
        raise CheckFailed(f"`{name}` should have shape {want.shape}, but it has shape {got.shape}.")
    if np.isnan(got).any():
        raise CheckFailed(f"`{name}` contains NaN. {hint}".strip())
    close = np.isclose(got, want, rtol=rel, atol=abs)
    if close.all():
        return
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    where = index[0] if len(index) == 1 else index
    direction = "too large" if got[index] > want[index] else "too small"
    raise CheckFailed(
        f"`{name}` is off at index {where}: that entry is {direction}. {hint}".strip()
    )


def expect_true(condition: bool, message: str) -> None:
    """Raise :class:`CheckFailed` with ``message`` unless ``condition`` holds.

    Examples
    --------
    >>> expect_true(2 > 1, "never shown")
    >>> expect_true(False, "`p` should sum to 1.")
    Traceback (most recent call last):
    ...
    xent.checks.CheckFailed: `p` should sum to 1.
    """
    if not condition:
        raise CheckFailed(message)
