/* The loss explorer of book/explorer.md.
 *
 * It computes no loss. Each .loss-explorer element carries JSON made at build time by
 * losscourse/explorer.py from losslib (every loss of one family and its derivative along the
 * slider, sampled on a grid); this script interpolates linearly between grid points and draws.
 * A loss that takes an option with a slider of its own (Huber's delta, focal gamma, ...) carries
 * one sampled curve per value of that option; the option's slider picks the curve.
 * Plain JavaScript and SVG: no library, no network.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var W = 260, H = 150, PAD = { left: 8, right: 8, top: 10, bottom: 10 };

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(name, className, parent, text) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  /* Linear interpolation of the sampled values at x (exact at grid points). */
  function interpolate(axis, values, x) {
    var pos = (x - axis.start) / axis.step;
    var i = Math.round(pos);
    if (Math.abs(pos - i) < 1e-9) {
      return values[Math.min(Math.max(i, 0), axis.n - 1)];
    }
    i = Math.min(Math.max(Math.floor(pos), 0), axis.n - 2);
    var t = pos - i;
    return values[i] + t * (values[i + 1] - values[i]);
  }

  function format(v) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    if (a >= 1e4 || a < 1e-3) return v.toExponential(3).replace("e+", "e");
    return Number(v.toPrecision(4)).toString();
  }

  /* The vertical range of a panel: over every value of its option, so that moving the option
     changes the curves' shape against fixed axes. */
  function range(loss) {
    var curves = loss.option ? loss.values.concat(loss.grads) : [loss.value, loss.grad];
    var lo = 0, hi = 0;
    curves.forEach(function (c) {
      lo = Math.min(lo, Math.min.apply(null, c));
      hi = Math.max(hi, Math.max.apply(null, c));
    });
    if (hi - lo < 1e-12) hi = lo + 1;
    return { lo: lo, hi: hi };
  }

  function panel(container, axis, loss, index) {
    var card = html("figure", "lx-panel", container);
    card.setAttribute("data-loss", loss.name);
    var caption = html("figcaption", "lx-caption", card);
    html("code", "lx-name", caption, loss.name);
    html("span", "lx-slice", caption, " (" + loss.slice + ")");
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, "aria-hidden": "true", focusable: "false" }, card);
    var r = range(loss);
    var x0 = axis.start, x1 = axis.start + axis.step * (axis.n - 1);
    var sx = function (x) { return PAD.left + (x - x0) / (x1 - x0) * (W - PAD.left - PAD.right); };
    var sy = function (y) { return H - PAD.bottom - (y - r.lo) / (r.hi - r.lo) * (H - PAD.top - PAD.bottom); };
    el("line", { x1: sx(x0), x2: sx(x1), y1: sy(0), y2: sy(0), class: "lx-zero" }, svg);
    el("line", { x1: sx(0), x2: sx(0), y1: PAD.top, y2: H - PAD.bottom, class: "lx-zero" }, svg);
    function path(values) {
      var d = "";
      for (var i = 0; i < axis.n; i++) {
        d += (i ? "L" : "M") + sx(axis.start + i * axis.step).toFixed(2) + "," + sy(values[i]).toFixed(2);
      }
      return d;
    }
    var lossPath = el("path", { class: "lx-loss" }, svg);
    var gradPath = el("path", { class: "lx-grad" }, svg);
    var cursor = el("line", { y1: PAD.top, y2: H - PAD.bottom, class: "lx-cursor" }, svg);
    var dot = el("circle", { r: 4.5, class: "lx-marker-loss" }, svg);
    var square = el("rect", { width: 8, height: 8, class: "lx-marker-grad" }, svg);
    var values = html("p", "lx-values", card);
    var vLoss = html("span", "lx-value-loss", values);
    html("span", "lx-label", vLoss, "loss ");
    var outLoss = html("b", "lx-value", vLoss);
    outLoss.setAttribute("data-kind", "value");
    var vGrad = html("span", "lx-value-grad", values);
    html("span", "lx-label", vGrad, "d/d" + axis.name + " ");
    var outGrad = html("b", "lx-value", vGrad);
    outGrad.setAttribute("data-kind", "grad");
    var shown = null;
    /* options: the index of each option slider's value; the curves of this loss's option there. */
    return function update(x, options) {
      var k = loss.option ? options[loss.option] : -1;
      var value = k >= 0 ? loss.values[k] : loss.value, grad = k >= 0 ? loss.grads[k] : loss.grad;
      if (shown !== k) {
        lossPath.setAttribute("d", path(value));
        gradPath.setAttribute("d", path(grad));
        card.setAttribute("data-option-index", String(k));
        shown = k;
      }
      var v = interpolate(axis, value, x), g = interpolate(axis, grad, x);
      var px = sx(x);
      cursor.setAttribute("x1", px); cursor.setAttribute("x2", px);
      dot.setAttribute("cx", px); dot.setAttribute("cy", sy(v));
      square.setAttribute("x", px - 4); square.setAttribute("y", sy(g) - 4);
      outLoss.textContent = format(v); outLoss.setAttribute("data-value", String(v));
      outGrad.textContent = format(g); outGrad.setAttribute("data-value", String(g));
    };
  }

  function setup(root) {
    var source = root.querySelector("script.loss-explorer-data");
    var ui = root.querySelector(".loss-explorer-ui");
    if (!source || !ui) return;
    var data = JSON.parse(source.textContent);
    var axis = data.axis;
    var slider = root.querySelector("input.loss-explorer-slider");
    var position = root.querySelector("output.loss-explorer-position");
    var panels = root.querySelector(".loss-explorer-panels");
    var updates = data.losses.map(function (loss, i) { return panel(panels, axis, loss, i); });
    var optionSliders = (data.options || []).map(function (option) {
      return {
        option: option,
        input: root.querySelector('input[data-option="' + option.name + '"]')
      };
    });
    function refresh() {
      var x = Number(slider.value);
      var text = axis.name + " = " + x.toFixed(2);
      position.textContent = text;
      slider.setAttribute("aria-valuetext", text);
      var options = {};
      optionSliders.forEach(function (o) {
        var k = Number(o.input.value);
        var said = o.option.symbol + " = " + String(o.option.values[k]);
        options[o.option.name] = k;
        o.input.setAttribute("aria-valuetext", said);
        o.input.parentNode.querySelector("output").textContent = said;
      });
      updates.forEach(function (u) { u(x, options); });
    }
    [slider].concat(optionSliders.map(function (o) { return o.input; })).forEach(function (input) {
      input.addEventListener("input", refresh);
      input.addEventListener("change", refresh);
    });
    refresh();
    ui.hidden = false;
    root.classList.add("lx-ready");
    /* The static figure of the same curves (a cell tagged explorer-static-<family>) is for readers
       without JavaScript. */
    document.querySelectorAll(".tag_explorer-static-" + data.family).forEach(function (cell) {
      cell.hidden = true;
    });
  }

  /* The sliders stick below the theme's sticky article header, whose height changes with the width. */
  function stickBelowHeader() {
    var header = document.querySelector(".bd-header-article");
    var top = header && getComputedStyle(header).position === "sticky" ? header.getBoundingClientRect().height : 0;
    document.querySelectorAll(".loss-explorer").forEach(function (root) {
      root.style.setProperty("--lx-top", top + "px");
    });
  }

  function start() {
    document.querySelectorAll(".loss-explorer").forEach(setup);
    stickBelowHeader();
    window.addEventListener("resize", stickBelowHeader);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
