"""nbgrader configuration of the course.

nbgrader's steps map onto the repository like this:
  source  -> solutions/   (instructor notebooks: solutions, visible and hidden tests)
  release -> exercises/   (student notebooks, generated: never edit by hand)
  everything else (submitted, autograded, feedback, gradebook) -> grading/ (git-ignored)
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
GRADING = HERE / "grading"
GRADING.mkdir(exist_ok=True)  # sqlite cannot create the gradebook in a missing folder

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.root = str(HERE)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.db_url = f"sqlite:///{GRADING / 'gradebook.db'}"
c.CourseDirectory.course_id = "loss-functions"

# Hidden tests never reach students: not in the release, not in the feedback.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.Execute.timeout = 60
