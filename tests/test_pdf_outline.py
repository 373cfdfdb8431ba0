"""The PDF's bookmarks are titled as the book's headings (losscourse/pdf.py); the PDF itself is
checked in tests/test_browser.py."""

from losscourse.pdf import heading_title

HEADINGS = [
    "1. From likelihood to loss",
    "1.1. Losses, costs and risks",
    "1.7. When to use which: squared or absolute error?",
    "1.8. Summary",
    "Contributing",
]


def test_a_bookmark_takes_the_title_of_its_heading():
    # what Chromium 156 writes for headings that wrap or that it repeats
    assert heading_title("1.1. 1.1. Losses, costs and risksLosses, costs and risks", HEADINGS) == HEADINGS[1]
    assert heading_title("1.7. When to use which: squared or absoluteerror?", HEADINGS) == HEADINGS[2]
    assert heading_title("1.8. 1.8. SummarySummary", HEADINGS) == "1.8. Summary"
    assert heading_title("ContributingContributing", HEADINGS) == "Contributing"
    two = "4.5. 4.5. An experiment: a two-dimensionalAn experiment: a two-dimensionalembedding"
    heading = "4.5. An experiment: a two-dimensional embedding"
    assert heading_title(two, ["4.5. Summary", heading, "4.5.1. The temperature of InfoNCE"]) == heading
    assert heading_title("1. From likelihood to  loss", HEADINGS) == HEADINGS[0]


def test_a_bookmark_without_a_heading_keeps_its_title():
    assert heading_title("A  figure's   caption", HEADINGS) == "A figure's caption"
