/* Search ranking (Sphinx's html_search_scorer, appended to language_data.js, which the search
 * page loads after searchtools.js): Sphinx's defaults, except
 *
 * - a page whose own title holds every word of the query comes first (Sphinx scores a page by
 *   the best of its words, so "label smoothing" ranked first a chapter with "labels" in one
 *   section title and "smoothing" somewhere in its text). The page's title: + 10; a section
 *   title, or the page's section titles taken together, holding every word: + 5;
 * - neither a glossary entry nor an API entry (a function of xent, from the API appendix)
 *   outranks the chapters. An API entry whose name has the word scores about 16; capped at 9,
 *   it comes after the chapters and the glossary. A glossary term is also an index entry,
 *   which Sphinx scores about 100 (a page whose title has the word scores about 15); capped at
 *   10, the glossary's "entropy" comes after the chapters named after entropy and before pages
 *   that merely mention it;
 * - ties between chapters go to the earlier one. */
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, , score] = result;
    if (anchor && /(^|\/)glossary$/.test(docname)) return Math.min(score, 10);
    if (anchor && /(^|\/)api$/.test(docname)) return Math.min(score, 9);
    let total = score + Scorer.titleBonus(docname, title, anchor);
    // Equal scores: the earlier chapter first (a term is taught where it first appears; later
    // chapters use it). Sphinx would list the later file name first.
    const chapter = /(^|\/)(\d\d)_/.exec(docname);
    if (chapter) total += (99 - Number(chapter[2])) / 1000;
    return total;
  },

  /* How much a result gains from a title that holds every word of the query. */
  titleBonus: (docname, title, anchor) => {
    const terms = Scorer.queryTerms;
    const index = typeof Search !== "undefined" ? Search._index : null;
    if (!terms.length || !index) return 0;
    const file = index.docnames.indexOf(docname);
    if (file < 0) return 0;
    const holdsAll = (words) => terms.every((term) => words.has(term));
    if (anchor) {
      // A section found by its title ("6. What nn.CrossEntropyLoss computes > Label smoothing").
      const own = String(title || "").split(" > ").pop();
      return holdsAll(Scorer.words(own)) ? 5 : 0;
    }
    if (holdsAll(Scorer.words(index.titles[file]))) return 10;
    const inTitles = (term) => {
      const files = index.titleterms[term];
      return files === file || (Array.isArray(files) && files.includes(file));
    };
    return terms.every(inTitles) ? 5 : 0;
  },

  /* The query's words as the index holds them (lower case, stemmed), set for each search. */
  queryTerms: [],

  /* The words of a title, cut and stemmed as the search cuts and stems a query. */
  words: (text) => {
    const plain = String(text || "").replace(/<[^>]*>/g, " ");
    const stemmer = new Stemmer();
    return new Set(splitQuery(plain).map((word) => stemmer.stemWord(word.toLowerCase())));
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

// Remember each search's words for the scorer (Sphinx passes the scorer one result at a time).
if (typeof Search !== "undefined" && typeof Search._performSearch === "function") {
  const performSearch = Search._performSearch;
  Search._performSearch = (query, searchTerms, ...rest) => {
    Scorer.queryTerms = [...searchTerms];
    return performSearch(query, searchTerms, ...rest);
  };
}
/* (end of the search ranking) */
