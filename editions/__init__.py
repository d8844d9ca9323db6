"""The machinery that builds the book's editions from one set of sources.

Not part of :mod:`xent` (what the chapters teach and a reader's kernel imports); these modules
are used only when the book is built or handed out:

website
    Sphinx extension: the static website works offline (MathJax from the site, no Thebe, no
    Font Awesome script).
notebooks
    Sphinx extension: a runnable ``.ipynb`` of every chapter behind the download button, and
    the Colab link to it.
pdf
    Sphinx extension (LaTeX builder only): the PDF laid out as a printed book, with parts,
    chapters numbered as on the website, print-minded cells and solutions per chapter.
student
    The student edition (``python -m editions.student``): notebooks without solutions and
    their nbgrader autograder.
"""
