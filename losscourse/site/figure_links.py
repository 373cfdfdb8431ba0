"""Every image of the book opens full size when clicked (issue #21).

At a phone's width (390 px) a figure's text is about 6 CSS px: a reader zooms by following the
image, a link to its own PNG. The link is keyboard-focusable and named by what it does, "Open
Fig. 2.4 full size" for a numbered figure and "Open the image full size" otherwise; the image keeps
its alt text. One post-transform does it for every page (no chapter is edited): it wraps each image
that is not in a link already in a :class:`full_size_link` node, whose HTML visitor writes the
``<a>`` once the builder knows where it copied the image (``_images/...``) and the figure's number.
Other builders write the image alone. tests/test_browser.py follows every link.
"""

from __future__ import annotations

import posixpath
import urllib.parse
from typing import Any

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform


class full_size_link(nodes.General, nodes.Inline, nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """An image's link to itself, full size."""


class LinkImagesToThemselves(SphinxPostTransform):
    """Wrap each image that is not already in a link in a :class:`full_size_link`."""

    default_priority = 900

    def run(self, **kwargs: Any) -> None:
        for image in list(self.document.findall(nodes.image)):
            if isinstance(image.parent, nodes.reference) or "://" in image["uri"]:
                continue
            image["classes"].append("no-scaled-link")  # Sphinx would link scaled images a second time
            link = full_size_link()
            image.replace_self(link)
            link += image


def _figure_label(translator: Any, node: full_size_link) -> str:
    """'Fig. 2.4' for an image in a numbered figure, '' otherwise (as Sphinx's ``add_fignumber``)."""
    figure = node.parent
    while figure is not None and not isinstance(figure, nodes.figure):
        figure = figure.parent
    if figure is None or not figure["ids"]:
        return ""
    numbers = translator.builder.fignumbers.get("figure", {}).get(figure["ids"][0])
    prefix = translator.config.numfig_format.get("figure")
    return prefix % ".".join(map(str, numbers)) if numbers and prefix else ""


def visit_full_size_link_html(self: Any, node: full_size_link) -> None:
    uri = node[0]["uri"]
    if uri in self.builder.images:  # where the builder copies it (as Sphinx's visit_image)
        uri = posixpath.join(self.builder.imgpath, urllib.parse.quote(self.builder.images[uri]))
    label = _figure_label(self, node) or "the image"
    self.body.append(
        f'<a class="reference external full-size-link" href="{self.attval(uri)}" '
        f'aria-label="Open {self.attval(label)} full size">'
    )


def depart_full_size_link_html(self: Any, node: full_size_link) -> None:
    self.body.append("</a>")


def _pass(self: Any, node: full_size_link) -> None:
    pass


def setup(app: Any) -> dict[str, Any]:
    app.add_node(
        full_size_link,
        html=(visit_full_size_link_html, depart_full_size_link_html),
        latex=(_pass, _pass),
        text=(_pass, _pass),
        man=(_pass, _pass),
        texinfo=(_pass, _pass),
    )
    app.add_post_transform(LinkImagesToThemselves)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
