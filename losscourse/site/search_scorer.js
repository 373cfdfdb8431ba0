// Sphinx's html_search_scorer (losscourse/site/search.py): Sphinx's default scores, except that the
// bibliography, which names every loss in its sources' titles, ranks below the pages that teach them.
var Scorer = {
  score: (result) => {
    const [docname, , , , score] = result;
    return docname === "book/bibliography" ? score - 20 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
