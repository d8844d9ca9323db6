"""The machinery that builds the book's editions from one set of sources.

Not part of :mod:`xent` (what the chapters teach and a reader's kernel imports); these modules
are used only when the book is built or handed out:

website
    Sphinx extension: the static website works offline (MathJax from the site, no Thebe, no
    Font Awesome script).
notebooks, markdown
    Sphinx extension: the notebook edition, a clean ``.ipynb`` of every chapter written from the
    website's resolved doctree and executed cells, behind the download, Colab and Binder buttons.
pdf
    Sphinx extension (LaTeX builder only): the PDF laid out as a printed book, with parts,
    chapters numbered as on the website, print-minded cells and solutions per chapter.
student
    The student edition (``python -m editions.student``), made from the notebook edition:
    notebooks without solutions, their nbgrader autograder, and grading one submission at a time.
"""
