"""The markers of a solution region, the kill rate the tests must reach and the kinds of mutants."""

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
TARGET_KILL_RATE = 0.9
KINDS = ("operator", "bug", "alternative", "trivial")  # of Mutant.kind
