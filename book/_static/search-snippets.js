// Search result snippets without raw TeX (losscourse/site/search.py): Sphinx quotes a page's text
// before MathJax typesets it, so "\(\psi = \rho'\)" showed as such. Formulas become "…".
(() => {
  const pageText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".math").forEach((formula) => formula.replaceWith("…"));
    return pageText(page.documentElement.outerHTML, anchor);
  };
})();
