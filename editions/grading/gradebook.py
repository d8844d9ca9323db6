"""The gradebook as one CSV an LMS imports: one row per student, a column per assigned chapter.

For each chapter four columns: the autograded points (blank when nothing was handed in), the
status (``graded``, ``not submitted``, ``corrupt``, ``wrong edition``), the time it was handed
in (UTC) and how late it was, in hours, against the due date set in nbgrader
(``nbgrader db assignment add <chapter> --duedate=...``). The row after the header gives the
points possible, as Canvas's own gradebook export does. Written answers are graded by hand in
the formgrader and are not in these points (their points are not possible until graded).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def rows(
    course_dir: str | Path,
    chapters: Sequence[str] | None = None,
    roster: Sequence[str] = (),
) -> list[list[str]]:
    """The CSV's rows: the header, "Points Possible", then one row per student (sorted).

    Parameters
    ----------
    course_dir : str or Path
        The course folder.
    chapters : sequence of str, optional
        The assigned chapters (default: those anyone handed in).
    roster : sequence of str, optional
        Every student of the class, so that one who handed in nothing has a row.
    """
    from nbgrader.api import Gradebook, MissingEntry

    from editions.student import GRADED, NOT_SUBMITTED, read_log

    course_dir = Path(course_dir).resolve()
    log = read_log(course_dir)
    if chapters is None:
        chapters = sorted({chapter for entries in log.values() for chapter in entries})
    students = sorted(set(roster) | set(log))
    header = ["Student", "ID"]
    possible = ["Points Possible", ""]
    out = []
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        due = {}
        for chapter in chapters:
            assignment = gradebook.find_assignment(chapter)
            notebook = gradebook.find_notebook(chapter, chapter)
            due[chapter] = _utc(assignment.duedate)
            header += [
                chapter,
                f"{chapter} status",
                f"{chapter} submitted (UTC)",
                f"{chapter} late (hours)",
            ]
            possible += [f"{notebook.max_code_score:g}", "", "", ""]
        for student in students:
            number = re.search(r"(\d+)$", student)  # a Canvas download's user id
            row = [student, number[1] if number else student]
            for chapter in chapters:
                entry = log.get(student, {}).get(chapter)
                if entry is None:
                    row += ["", NOT_SUBMITTED, "", ""]
                    continue
                points = "0"
                if entry["status"] == GRADED:
                    try:
                        sub = gradebook.find_submission_notebook(chapter, chapter, student)
                        points = f"{sub.code_score:g}"
                    except MissingEntry:
                        points = ""
                when = datetime.fromisoformat(entry["submitted"]) if entry["submitted"] else None
                late = ""
                if when and due[chapter]:
                    hours = max(0.0, (_utc(when) - due[chapter]).total_seconds() / 3600)
                    late = f"{hours:.1f}"
                stamp = _utc(when).strftime("%Y-%m-%d %H:%M:%S") if when else ""
                row += [points, entry["status"], stamp, late]
            out.append(row)
    return [header, possible, *out]


def write(path: str | Path, table: list[list[str]]) -> None:
    """Write the rows as UTF-8 CSV (with a byte-order mark, so that Excel reads accents)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(table)
