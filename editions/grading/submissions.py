"""Handed-in files as they really arrive, matched to their student and chapter.

Browsers, Colab and learning-management systems rename files: ``02_entropy (1).ipynb`` (a second
download), ``Copy of 02_entropy.ipynb`` (Colab), ``ivanov_12345_02_entropy.ipynb`` or
``ivanov_LATE_12345_67890_02_entropy-1.ipynb`` (Canvas's "Download Submissions"), and Moodle's
"Download all submissions" makes one folder per student,
``Ivan Ivanov_12345_assignsubmission_file_``, holding the file as it was uploaded.
:func:`chapter_of` finds the chapter in such a name and :func:`collect` walks a download
(folder or zip), giving each notebook its student, its chapter
and its time; a file it cannot place is reported by name, never dropped silently.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

#: What downloads add to a file name: "Copy of ", " (1)", "-1", "_1" (before the suffix).
_COPY_OF = re.compile(r"^(?:copy of |kopie van |copie de )+", re.IGNORECASE)
_DUPLICATE = re.compile(r"(?:\s*\(\d+\)|[-_ ]\d{1,2})$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_?$")


def chapter_of(filename: str, chapters: Sequence[str]) -> str | None:
    """The chapter (one of ``chapters``, e.g. ``"02_entropy"``) a file name is about, or None.

    Examples
    --------
    >>> names = ["02_entropy", "05_learning_slowdown"]
    >>> [chapter_of(f, names) for f in ["02_entropy (1).ipynb", "Copy of 02_entropy.ipynb",
    ...  "ivanov_12345_02_entropy.ipynb", "05_learning_slowdown-2.ipynb", "notes.ipynb"]]
    ['02_entropy', '02_entropy', '02_entropy', '05_learning_slowdown', None]
    """
    stem = Path(filename).stem if filename.endswith(".ipynb") else Path(filename).name
    stem = _COPY_OF.sub("", stem.strip())
    for candidate in (stem, _DUPLICATE.sub("", stem)):
        if candidate in chapters:
            return candidate
    # An LMS prefix: the chapter's name ends the file name (with a duplicate mark, perhaps).
    for chapter in sorted(chapters, key=len, reverse=True):
        if re.search(rf"(?:^|_|\s){re.escape(chapter)}(?:\s*\(\d+\)|[-_ ]\d{{1,2}})?$", stem):
            return chapter
    return None


def student_of(path: Path, chapter: str, root: Path) -> str:
    """The student a file of an LMS download belongs to: the Moodle folder it is in, or what
    precedes the chapter's name in a Canvas file name (``ivanov_12345``; ``_LATE`` dropped).

    Examples
    --------
    >>> student_of(Path("dl/ivanov_LATE_12345_678_02_entropy.ipynb"), "02_entropy", Path("dl"))
    'ivanov_12345'
    >>> student_of(Path("dl/Ivan Ivanov_12345_assignsubmission_file_/02_entropy.ipynb"),
    ...            "02_entropy", Path("dl"))
    'ivan_ivanov_12345'
    """
    for folder in path.relative_to(root).parents:
        if folder.name and (m := _MOODLE.match(folder.name)):
            return slug(f"{m['name']}_{m['id']}")
    stem = _COPY_OF.sub("", path.stem)
    prefix = stem[: stem.find(chapter)] if chapter in stem else ""
    prefix = re.sub(r"_LATE(?=_|$)", "", prefix.strip("_ -"), flags=re.IGNORECASE)
    tokens = prefix.split("_")
    first_id = next((i for i, t in enumerate(tokens) if t.isdigit()), len(tokens) - 1)
    return slug("_".join(tokens[: first_id + 1]))  # Canvas: name_userid[_submissionid]


def slug(text: str) -> str:
    """A student id nbgrader can use as a folder name: lower case, ``_`` for anything else."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


class Submission(NamedTuple):
    """One handed-in file: who, which chapter, when; ``problem`` if it cannot be placed."""

    path: Path
    student: str
    chapter: str | None
    submitted_at: datetime
    problem: str = ""


def _time(path: Path) -> datetime:
    """When the file was handed in: nbgrader's ``timestamp.txt`` beside it if there is one (its
    own exchange writes it), else the file's modification time (what the LMS zip recorded)."""
    stamp = path.parent / "timestamp.txt"
    if stamp.is_file():
        from dateutil.parser import parse

        when = parse(stamp.read_text(encoding="utf-8").strip())
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def unpack(download: Path, into: Path) -> Path:
    """A zip of an LMS download unpacked into ``into`` (keeping the entries' times); a folder
    is used as it is."""
    if download.is_dir():
        return download
    import os

    with zipfile.ZipFile(download) as archive:
        for info in archive.infolist():
            target = Path(archive.extract(info, into))
            when = datetime(*info.date_time).timestamp()
            os.utime(target, (when, when))
    return into


def collect(root: Path, chapters: Sequence[str]) -> list[Submission]:
    """Every notebook under ``root`` (an unpacked LMS download), with its student, chapter and
    time; a later file of the same student and chapter supersedes an earlier one (reported)."""
    found: list[Submission] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name == "timestamp.txt" or path.name.startswith("."):
            continue
        chapter = chapter_of(path.name, chapters)
        if chapter is None:
            found.append(
                Submission(
                    path,
                    "",
                    None,
                    _time(path),
                    f"{path.relative_to(root)}: not a "
                    "notebook of an assigned chapter (" + ", ".join(chapters) + ")",
                )
            )
            continue
        student = student_of(path, chapter, root)
        if not student:
            found.append(
                Submission(
                    path,
                    "",
                    chapter,
                    _time(path),
                    f"{path.relative_to(root)}: no "
                    "student in its name or folder; grade it with --student ID",
                )
            )
            continue
        found.append(Submission(path, student, chapter, _time(path)))
    return latest(found)


def latest(submissions: Iterable[Submission]) -> list[Submission]:
    """Keep, per student and chapter, the latest file; an earlier one becomes a problem line."""
    out: list[Submission] = []
    best: dict[tuple[str, str], Submission] = {}
    for sub in submissions:
        if sub.problem:
            out.append(sub)
            continue
        key = (sub.student, sub.chapter or "")
        if key in best:
            old, new = sorted([best[key], sub], key=lambda s: (s.submitted_at, s.path.name))
            out.append(
                old._replace(
                    problem=f"{old.path.name}: superseded by {new.path.name}, "
                    f"handed in later by {sub.student}"
                )
            )
            best[key] = new
        else:
            best[key] = sub
    return [*best.values(), *out]
