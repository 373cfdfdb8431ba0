"""The data of the loss explorer (``book/explorer.md``): losslib's losses and gradients on a grid.

The page's script never computes a loss: it reads the JSON that :func:`sample` makes here, at
build time, from ``losslib.LOSSES``, and only interpolates between grid points and draws. Each
family has one slider variable:

- **regression**: the residual ``r``; every regression loss is evaluated with its prediction
  moved by ``r`` from the target (the other parameters fixed at 1, e.g. a variance, or the
  shape and scale of Barron's loss, which make it pseudo-Huber);
- **classification**: the margin ``z``, the score or logit of the true class minus that of the
  other class (two classes); losses on probabilities get ``sigmoid(z)`` (a softmax of ``(z, 0)``).

The plotted gradient is the derivative along the slider, ``d loss / d r`` or ``d loss / d z``,
computed from losslib's ``*_grad`` by the chain rule (for a loss on logits it is the gradient's
entry of the moved argument). A new loss whose inputs this module does not know how to slice
fails the build with a message saying so.

The options a reader most wants to move (:data:`OPTIONS`: Huber's ``delta``, the quantile ``tau``,
focal ``gamma``, ``label_smoothing``) have sliders of their own: every loss of the family whose
signature takes the option is sampled once per value of the option's grid, so the page still only
picks and interpolates numbers that losslib computed.
"""

from __future__ import annotations

import html
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import losslib

FAMILIES = ("regression", "classification")
Y0 = 4.0  # the regression target (a count of 4 for Poisson; angles use 0)
DIGITS = 7  # significant digits kept in the page's JSON


@dataclass(frozen=True)
class Axis:
    name: str  # the slider variable's symbol
    label: str  # what it is, for the slider's label
    start: float
    stop: float
    step: float  # grid step; the slider's step is a multiple of it, so slider values are grid points
    slider_step: float
    initial: float

    @property
    def grid(self) -> np.ndarray:
        n = int(round((self.stop - self.start) / self.step)) + 1
        return np.round(self.start + self.step * np.arange(n), 10)


AXES = {
    "regression": Axis("r", "Residual r = prediction − target", -4.0, 4.0, 0.02, 0.1, 1.5),
    "classification": Axis("z", "Margin z = score of the true class − score of the other", -6.0, 6.0, 0.02, 0.1, 0.5),
}


@dataclass(frozen=True)
class Option:
    """A keyword option of some losses of a family, with a slider over ``values`` (which hold its default)."""

    name: str  # the keyword, as losslib spells it
    symbol: str  # how the page writes it
    label: str  # what it is, for the slider's label (the names of the losses that take it follow)
    values: tuple[float, ...]
    default: float


def _steps(start: float, stop: float, step: float) -> tuple[float, ...]:
    return tuple(float(v) for v in np.round(np.arange(start, stop + step / 2, step), 10))


OPTIONS = {
    "regression": (
        Option("delta", "δ", "Huber's δ", _steps(0.25, 3.0, 0.25), 1.0),
        Option("tau", "τ", "Quantile τ", _steps(0.1, 0.9, 0.1), 0.5),
    ),
    "classification": (
        Option("gamma", "γ", "Focal γ", _steps(0.0, 5.0, 0.5), 2.0),
        Option("label_smoothing", "ε", "Label smoothing ε", _steps(0.0, 0.3, 0.05), 0.0),
    ),
}

OPTIONS_BY_NAME = {option.name: option for options in OPTIONS.values() for option in options}


def takes(info: losslib.LossInfo, option: Option) -> bool:
    """Whether the loss (and so its gradient) has the keyword ``option.name``."""
    parameter = inspect.signature(info.loss).parameters.get(option.name)
    return parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY


@dataclass(frozen=True)
class Slice:
    """How one loss is evaluated along the slider: its inputs and their derivatives in the slider."""

    description: str
    inputs: Callable[[np.ndarray], dict[str, np.ndarray]]
    derivative: Callable[[np.ndarray], dict[str, np.ndarray]]  # d input / d slider, per grad_wrt argument


def _fmt(v: float) -> str:
    return f"{v:g}"


def regression_slice(info: losslib.LossInfo) -> Slice:
    """The target fixed, the first differentiable argument moved by ``r``, the other arguments at 1."""
    targets = {"real": Y0, "count": Y0, "angle": 0.0}
    known = ("real", "log-rate", "mean and variance", "location and scale", "mean angle and concentration")
    if info.target not in targets or info.prediction not in known:
        raise ValueError(
            f"the explorer does not know how to move the residual of {info.name} (target {info.target!r}, "
            f"prediction {info.prediction!r}): add its kinds to losscourse/explorer.py"
        )
    y = targets[info.target]
    moved = info.grad_wrt[0]
    fixed = [a for a in info.args[1:] if a != moved]
    log = info.prediction == "log-rate"
    base = float(np.log(y)) if log else y
    shown = f"log {_fmt(y)} + r" if log else (f"{_fmt(y)} + r" if y else "r")
    who = "log-rate" if log else ("ŷ" if moved == "y_pred" else moved)
    parts = [f"y = {_fmt(y)}", f"{who} = {shown}"] + [f"{a} = 1" for a in fixed]

    def inputs(r: np.ndarray) -> dict[str, np.ndarray]:
        out = {info.args[0]: np.full_like(r, y), moved: base + r}
        out.update({a: np.ones_like(r) for a in fixed})
        return out

    def derivative(r: np.ndarray) -> dict[str, np.ndarray]:
        return {moved: np.ones_like(r), **{a: np.zeros_like(r) for a in fixed if a in info.grad_wrt}}

    return Slice(", ".join(parts), inputs, derivative)


def classification_slice(info: losslib.LossInfo) -> Slice:
    """The true class (label 1, +1 or class 0 of two) and a prediction whose margin is ``z``.

    The loss takes a target and a prediction (``y_true, y_pred``, or ``labels, logits``)."""
    kinds = (info.target, info.prediction)
    sigmoid = losslib.sigmoid
    if len(info.args) != 2 or info.grad_wrt != info.args[1:]:
        raise ValueError(f"the explorer does not know how to slice {info.name}{info.args}")
    t, p = info.args
    if kinds in (("binary", "logit"), ("sign", "score")):
        label = 1.0
        return Slice(
            f"y = {_fmt(label)}, {'logit' if info.prediction == 'logit' else 'score'} = z",
            lambda z: {t: np.full_like(z, label), p: z},
            lambda z: {p: np.ones_like(z)},
        )
    if kinds == ("binary", "probability"):
        return Slice(
            "y = 1, p = sigmoid(z)",
            lambda z: {t: np.ones_like(z), p: sigmoid(z)},
            lambda z: {p: sigmoid(z) * sigmoid(-z)},
        )
    if kinds in (("class", "logit"), ("class", "score")):
        return Slice(
            f"class 0 of 2, {'logits' if info.prediction == 'logit' else 'scores'} (z, 0)",
            lambda z: {t: np.zeros(z.shape, dtype=int), p: np.stack([z, np.zeros_like(z)], axis=-1)},
            lambda z: {p: np.stack([np.ones_like(z), np.zeros_like(z)], axis=-1)},
        )
    if kinds in (("distribution", "probability"), ("class", "probability")):
        onehot = kinds[0] == "distribution"

        def inputs(z: np.ndarray) -> dict[str, np.ndarray]:
            target = np.stack([np.ones_like(z), np.zeros_like(z)], -1) if onehot else np.zeros(z.shape, int)
            return {t: target, p: np.stack([sigmoid(z), sigmoid(-z)], axis=-1)}

        def derivative(z: np.ndarray) -> dict[str, np.ndarray]:
            s = sigmoid(z) * sigmoid(-z)
            return {p: np.stack([s, -s], axis=-1)}

        return Slice("target (1, 0), p = softmax(z, 0)", inputs, derivative)
    raise ValueError(
        f"the explorer does not know how to move the margin of {info.name} (target {info.target!r}, "
        f"prediction {info.prediction!r}): add its kinds to losscourse/explorer.py"
    )


SLICERS = {"regression": regression_slice, "classification": classification_slice}


def curves(info: losslib.LossInfo, x: np.ndarray, family: str, **options: float) -> tuple[np.ndarray, np.ndarray, str]:
    """``(values, derivatives along the slider, description)`` of one loss on the grid ``x``, with
    ``options`` passed to the loss and its gradient."""
    sl = SLICERS[family](info)
    inputs = sl.inputs(x)
    args = {a: inputs[a] for a in info.args}
    value = np.asarray(info.loss(**args, reduction="none", **options), dtype=float)
    grad = info.grad(**args, reduction="none", **options)
    grads = dict(zip(info.grad_wrt, grad)) if len(info.grad_wrt) > 1 else {info.grad_wrt[0]: grad}
    slope = np.zeros_like(x)
    for arg, direction in sl.derivative(x).items():
        g = np.asarray(grads[arg], dtype=float)
        slope = slope + (g * direction).reshape(len(x), -1).sum(axis=1)
    return value.reshape(len(x)), slope, sl.description


def _round(a: np.ndarray) -> list[float]:
    if not np.all(np.isfinite(a)):
        raise ValueError("a loss or gradient is not finite on the explorer's grid")
    return [float(f"{v:.{DIGITS}g}") for v in a]


def sample(family: str) -> dict[str, Any]:
    """Every loss of ``family`` in the registry, sampled on the family's grid (JSON-ready).

    A loss that takes one of the family's :data:`OPTIONS` gets ``"option"`` (its name) and, besides
    ``"value"`` and ``"grad"`` at the option's default, ``"values"`` and ``"grads"``: one curve per
    value of the option's grid, in its order."""
    axis = AXES[family]
    x = axis.grid
    losses, options = [], []
    for info in losslib.select(family=family):
        value, slope, description = curves(info, x, family)
        entry: dict[str, Any] = {
            "name": info.name,
            "slice": description,
            "summary": info.summary,
            "value": _round(value),
            "grad": _round(slope),
        }
        own = [option for option in OPTIONS[family] if takes(info, option)]
        if len(own) > 1:
            raise ValueError(
                f"{info.name} takes the options {[o.name for o in own]}: the explorer gives a loss one option "
                "slider; drop one from OPTIONS in losscourse/explorer.py"
            )
        if own:
            option = own[0]
            variants = [curves(info, x, family, **{option.name: v})[:2] for v in option.values]
            entry.update(
                option=option.name,
                values=[_round(v) for v, _ in variants],
                grads=[_round(g) for _, g in variants],
            )
        losses.append(entry)
    if not losses:
        raise ValueError(f"losslib has no {family} loss")
    for option in OPTIONS[family]:
        names = [entry["name"] for entry in losses if entry.get("option") == option.name]
        if names:
            options.append(
                {
                    "name": option.name,
                    "symbol": option.symbol,
                    "label": f"{option.label} ({', '.join(names)})",
                    "values": list(option.values),
                    "initial": option.values.index(option.default),
                    "losses": names,
                }
            )
    return {
        "family": family,
        "axis": {
            "name": axis.name,
            "label": axis.label,
            "start": axis.start,
            "step": axis.step,
            "n": len(x),
            "slider_step": axis.slider_step,
            "initial": axis.initial,
        },
        "options": options,
        "losses": losses,
    }


def widget(data: dict[str, Any]) -> str:
    """The explorer's HTML for one family: the data as JSON, a labelled slider, a note without JavaScript.

    ``book/_static/explorer.js`` builds the plots and the values from the JSON."""
    family, axis = data["family"], data["axis"]
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    stop = axis["start"] + axis["step"] * (axis["n"] - 1)
    slider = f"loss-explorer-{family}-slider"
    option_sliders = "".join(
        f"""
<div class="loss-explorer-control loss-explorer-option">
<label for="{slider}-{o["name"]}">{html.escape(o["label"])}</label>
<input type="range" id="{slider}-{o["name"]}" class="loss-explorer-option-slider" data-option="{o["name"]}" min="0"
 max="{len(o["values"]) - 1}" step="1" value="{o["initial"]}" aria-valuetext="{o["symbol"]} = {o["values"][o["initial"]]:g}">
<output for="{slider}-{o["name"]}" class="loss-explorer-position">{o["symbol"]} = {o["values"][o["initial"]]:g}</output>
</div>"""
        for o in data["options"]
    )
    return f"""<div class="loss-explorer" data-family="{family}">
<script type="application/json" class="loss-explorer-data">{payload}</script>
<noscript><p class="loss-explorer-note">JavaScript is off, so the explorer cannot run: the figure below shows
the same curves, sampled from losslib in the same way.</p></noscript>
<div class="loss-explorer-ui" hidden>
<div class="loss-explorer-controls">
<div class="loss-explorer-control">
<label for="{slider}">{html.escape(axis["label"])}</label>
<input type="range" id="{slider}" class="loss-explorer-slider" min="{axis["start"]:g}" max="{stop:g}"
 step="{axis["slider_step"]:g}" value="{axis["initial"]:g}">
<output for="{slider}" class="loss-explorer-position" aria-live="polite">{axis["name"]} = {axis["initial"]:.2f}</output>
</div>{option_sliders}
</div>
<p class="loss-explorer-key">In each panel: <span class="lx-key-loss">the loss, solid line and round
marker</span>; <span class="lx-key-grad">its derivative along {axis["name"]}, dashed line and square marker</span>.
Each panel has its own vertical scale; the dotted lines are zero.</p>
<div class="loss-explorer-panels"></div>
</div>
</div>"""


def static_figure(data: dict[str, Any], columns: int = 3) -> Any:
    """The same curves as a matplotlib figure (what the page shows without JavaScript)."""
    from losscourse.plotting import GREY, PALETTE, subplots

    axis = data["axis"]
    x = axis["start"] + axis["step"] * np.arange(axis["n"])
    losses = data["losses"]
    rows = -(-len(losses) // columns)
    fig, axes = subplots(rows, columns, height=1.9 * rows + 0.4, squeeze=False)
    for ax, loss in zip(axes.flat, losses):
        ax.plot(x, loss["value"], "-", color=PALETTE["blue"], label="loss")
        ax.plot(x, loss["grad"], "--", color=PALETTE["vermillion"], label=f"d loss / d {axis['name']}")
        ax.axhline(0, color=GREY, lw=0.8, ls=":")
        ax.axvline(0, color=GREY, lw=0.8, ls=":")
        ax.set_title(loss["name"])
        ax.set_xlabel(axis["name"])
    for ax in list(axes.flat)[len(losses) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=2, frameon=False)
    return fig
