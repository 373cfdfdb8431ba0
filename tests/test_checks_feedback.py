"""The visible tests' feedback names the slip, not only the numbers, for every realistic bug.

``tests/submissions/<topic>.py`` holds each assignment's hand-written bugs (``<function>__bug_*``).
Every bug that a visible test catches must get a diagnosis in the student's terms ("did you sum
instead of averaging?", "do not clip alpha"), not just the generic "returned x, expected y
(largest relative error e)". Bugs that pass the visible test are the hidden tests' to catch,
which ``tests/test_mutation.py`` checks.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from losscourse.assignments import list_assignments
from losscourse.checks import Check, CheckFailed, for_assignment
from losscourse.mutation import submissions_module


def _bugs():
    for assignment in list_assignments():
        submissions = submissions_module(assignment)
        for name, _ in inspect.getmembers(submissions, inspect.isfunction):
            if "__bug_" in name:
                yield pytest.param(assignment, name, id=f"{assignment}-{name}")


def _correct(submissions, function: str):
    """A correct version of a notebook function (its first hand-written alternative)."""
    return next(
        f for name, f in inspect.getmembers(submissions, inspect.isfunction) if name.startswith(function + "__alt_")
    )


@pytest.mark.parametrize(("assignment", "bug"), list(_bugs()))
def test_a_bug_caught_by_a_visible_test_gets_a_diagnosis(assignment, bug, monkeypatch):
    submissions, tasks = submissions_module(assignment), for_assignment(assignment)
    function = bug.split("__bug_")[0]
    names = {name for task in tasks.tasks.values() for name in task.functions}
    for name in names:  # the bug's module sees correct versions of the notebook's other functions
        monkeypatch.setattr(submissions, name, _correct(submissions, name), raising=False)
    namespace = {name: _correct(submissions, name) for name in names}
    namespace[function] = getattr(submissions, bug)
    task = next(t for t in tasks.tasks.values() if function in t.functions)
    try:
        with np.errstate(all="ignore"):  # (the naive formulas overflow on purpose)
            Check.run(task, namespace)
    except CheckFailed as exc:
        message = str(exc)
        assert "largest relative error" not in message, f"{bug} gets only the generic message: {message}"


# --- Messages that misled a student (issue #16, item 5): one test each ------------------------------


def _message(assignment: str, task_id: str, **functions) -> str:
    """The visible test's failure message for the given student functions."""
    task = for_assignment(assignment).tasks[task_id]
    with np.errstate(all="ignore"), pytest.raises(CheckFailed) as failed:
        Check.run(task, functions)
    return str(failed.value)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_an_all_zeros_answer_is_not_told_a_constant_factor_is_off():
    message = _message("02-regression", "huber_grad", huber_grad=lambda y_true, y_pred, delta=1.0: np.zeros(5))
    assert "0 everywhere" in message and "constant factor" not in message, message
    message = _message("03-classification", "bce_with_logits_grad", bce_with_logits_grad=lambda y, z: np.zeros_like(z))
    assert "0 everywhere" in message and "constant factor" not in message, message


def test_a_gradient_without_1_over_n_is_not_asked_whether_it_summed():
    def huber_grad(y_true, y_pred, delta=1.0):
        return np.clip(np.asarray(y_pred) - y_true, -delta, delta)

    message = _message("02-regression", "huber_grad", huber_grad=huber_grad)
    assert "did you sum" not in message and "1/N" in message, message


def test_a_wrong_sign_in_classification_does_not_mention_a_residual():
    def bce_with_logits(y, z):
        return np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)) * -1

    message = _message("03-classification", "bce_with_logits", bce_with_logits=bce_with_logits)
    assert "wrong sign" in message and "residual" not in message, message


def test_log_of_softmax_after_subtracting_the_maximum_is_told_to_compute_log_softmax():
    def smoothed_cross_entropy(labels, logits, eps):  # subtracts the maximum, then takes log of the softmax
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        log_p = np.log(p)
        return np.mean((1 - eps) * -log_p[np.arange(len(labels)), labels] + eps * -log_p.mean(axis=1))

    message = _message("03-classification", "smoothed_cross_entropy", smoothed_cross_entropy=smoothed_cross_entropy)
    assert "never as the log of the softmax" in message, message


def test_softmax_over_the_wrong_axis_and_a_mean_over_the_classes_are_named():
    def axis0(labels, logits, eps):
        log_p = logits - np.log(np.exp(logits).sum(axis=0))
        return np.mean((1 - eps) * -log_p[np.arange(len(labels)), labels] + eps * -log_p.mean(axis=1))

    def mean_over_classes(labels, logits, eps):
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        q = np.full(logits.shape, eps / logits.shape[1])
        q[np.arange(len(labels)), labels] += 1 - eps
        return np.mean(-q * log_p)

    message = _message("03-classification", "smoothed_cross_entropy", smoothed_cross_entropy=axis0)
    assert "axis 0" in message, message
    message = _message("03-classification", "smoothed_cross_entropy", smoothed_cross_entropy=mean_over_classes)
    assert "C = 3" in message and "N = " not in message, message


def test_a_cancelling_bce_is_not_told_to_use_log1p_it_has_none():
    def bce_with_logits(y, z):  # -log sigma(-z) = z + softplus(-z) cancels for z = -40
        return np.mean(y * np.logaddexp(0, -z) + (1 - y) * (z + np.logaddexp(0, -z)))

    message = _message("03-classification", "bce_with_logits", bce_with_logits=bce_with_logits)
    assert "large number is subtracted" in message, message


def test_logits_used_as_probabilities_are_named():
    def clipped(y, z):
        p = np.clip(z, 1e-7, 1 - 1e-7)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    def raw(y, z):
        return -np.mean(y * np.log(z) + (1 - y) * np.log(1 - z))

    for bce_with_logits in (clipped, raw):
        message = _message("03-classification", "bce_with_logits", bce_with_logits=bce_with_logits)
        assert "logits" in message and "not probabilities" in message, message


def test_the_logistic_fit_message_does_not_print_the_answer():
    submissions = submissions_module("03-classification")

    def fit_logistic_regression(X, y, pos_weight=1.0):  # stops after 20 steps, far from the minimum
        w, b = np.zeros(X.shape[1]), 0.0
        for _ in range(20):
            g = (_sigmoid(X @ w + b) - y) / len(y)
            w, b = w - X.T @ g, b - g.sum()
        return w, b

    message = _message("03-classification", "fit_logistic_regression", fit_logistic_regression=fit_logistic_regression)
    assert "the best (w, b)" not in message and "gradient of J" in message, message
    rng = np.random.default_rng(305)  # the visible test's data: the minimiser's digits must not appear
    y = (rng.uniform(size=200) < 0.5).astype(float)
    X = rng.normal(size=(200, 2)) + np.where(y[:, None] == 1, 0.7, -0.7)
    w, b = _correct(submissions, "fit_logistic_regression")(X, y)
    for value in [*w, b]:
        assert f"{value:.3f}" not in message, message


def test_a_hard_coded_visible_answer_fails_the_visible_test():
    submissions = submissions_module("02-regression")
    message = _message(
        "02-regression", "fit_robust_line", fit_robust_line=submissions.fit_robust_line__trivial_visible_line
    )
    assert "4 - 0.5 x" in message, message


def test_results_of_the_wrong_type_are_named_plainly():
    message = _message("02-regression", "huber", huber=lambda y_true, y_pred, delta=1.0: "hello")
    assert "returned the string 'hello'" in message and "dtype" not in message, message
    message = _message("02-regression", "huber", huber=lambda y_true, y_pred, delta=1.0: np.mean)
    assert "returned a function" in message and "dtype" not in message, message


def test_values_are_printed_without_padding():
    message = _message("02-regression", "huber", huber=lambda y_true, y_pred, delta=1.0: 0.123)
    assert "  ," not in message and " ]" not in message, message


def test_check_warns_on_a_float64_result_for_float32_input(capsys):
    submissions = submissions_module("02-regression")
    namespace = {"huber": submissions.huber__bug_float64}
    check = for_assignment("02-regression").check
    check("huber", namespace)
    assert "Warning: huber returned float64" in capsys.readouterr().out
    check(namespace=namespace)
    assert "warning: huber returned float64" in capsys.readouterr().out
    check("huber", {"huber": _correct(submissions, "huber")})
    assert "Warning" not in capsys.readouterr().out


def test_every_task_that_keeps_float32_warns_for_its_float64_bug():
    for assignment in list_assignments():
        submissions, tasks = submissions_module(assignment), for_assignment(assignment)
        for task in tasks.tasks.values():
            bug = getattr(submissions, f"{task.task_id}__bug_float64", None)
            if bug is None or not task.float32:
                continue
            namespace = {name: _correct(submissions, name) for name in task.functions}
            namespace[task.task_id] = bug
            try:
                warnings = Check.run(task, namespace)
            except CheckFailed:
                continue  # the visible test already fails it
            assert warnings and "float64" in warnings[0], (assignment, task.task_id)


def test_hidden_all_reports_every_failed_property():
    from losscourse.testing import hidden_all

    hidden_all([("a", True), ("b", True)])
    with pytest.raises(CheckFailed, match=r"^A hidden test failed: b\.$"):
        hidden_all([("a", True), ("b", False)])
    with pytest.raises(CheckFailed, match=r"^2 hidden tests failed: a; c\.$"):
        hidden_all([("a", False), ("b", True), ("c", False)])


def test_upper_bound_messages_do_not_list_the_loss_of_every_data_point():
    message = _message("02-regression", "upper_bound", upper_bound=lambda y, tau: 3)
    assert "position of the bound" in message, message
    message = _message("02-regression", "upper_bound", upper_bound=lambda y, tau: 13.0)
    assert "your bound is" in message and "3.857" in message and "[" not in message.split("expected")[1], message


def test_the_choose_likelihood_statement_lists_every_name_the_check_accepts():
    import json
    import re

    from losscourse.assignments import SOURCE
    from losscourse.checks.likelihoods import _likelihood_names

    notebook = json.loads((SOURCE / "07-likelihoods" / "likelihoods.ipynb").read_text())
    statement = next(
        "".join(c["source"]) for c in notebook["cells"] if "## 6. Which likelihood?" in "".join(c["source"])
    )
    listed = re.findall(r'`"(\w+)"`', statement.split("| `situation`")[0])
    assert sorted(listed) == sorted(_likelihood_names()), "task 6 names other losses than its check accepts"


def test_early_stopping_messages_never_name_the_epoch_expected():
    for wrong in (0, 3, 5, 7, 9, 10):  # the visible curve's best epoch is 4 (patience 3, the stop at 7)
        message = _message("08-practice", "early_stopping_epoch", early_stopping_epoch=lambda v, p, w=wrong: w)
        assert "epoch 4" not in message and "returned 4" not in message, message


def test_early_stopping_slips_are_recognised_on_curves_of_their_own():
    # The visible curve stops at epoch 7 (patience 3) and keeps epoch 4: a message that says "7 is the stop" or
    # "off by one" gives the answer away by arithmetic, so these slips are diagnosed on the checks' own probes.
    stop_epoch, one_based = (
        getattr(submissions_module("08-practice"), f"early_stopping_epoch__bug_{slip}")
        for slip in ("stop_epoch", "one_based")
    )
    message = _message("08-practice", "early_stopping_epoch", early_stopping_epoch=stop_epoch)
    assert "at which training stops" in message and "in a row" not in message, message
    message = _message("08-practice", "early_stopping_epoch", early_stopping_epoch=one_based)
    assert "count from 0" in message and "off by one" not in message, message
    for wrong in range(11):  # every constant, among them 7 and 5, the two slips' answers on the visible curve
        message = _message("08-practice", "early_stopping_epoch", early_stopping_epoch=lambda v, p, w=wrong: w)
        assert "at which training stops" not in message and "count from 0" not in message, message


def test_a_clipping_answer_that_scales_up_small_gradients_is_told_so():
    def normalise(grads, max_norm):  # always rescales to max_norm
        norm = np.sqrt(sum(np.sum(g**2) for g in grads))
        return [g * float(max_norm / norm) for g in grads]

    message = _message("08-practice", "clip_by_global_norm", clip_by_global_norm=normalise)
    assert "max_norm=100" in message and "stay as they are" in message, message
