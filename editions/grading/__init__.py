"""The student edition's grading machinery, one job per module.

- :mod:`editions.grading.fingerprints`: the students' self-check without answer keys;
- :mod:`editions.grading.hidden`: hidden tests, and the two copies of xent a course grades with;
- :mod:`editions.grading.submissions`: matching handed-in files (LMS downloads) to students;
- :mod:`editions.grading.gradebook`: the LMS-ready CSV.

:mod:`editions.student` builds the course and is the command line.
"""
