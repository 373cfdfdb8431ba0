"""Tooling of the course: building the book, releasing and grading exercises.

``losslib`` holds the mathematics and depends on numpy only; this package holds
everything around it and needs the ``course`` extra (``pip install -e .[course]``).
"""
