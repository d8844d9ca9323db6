/* Search ranking (Sphinx's html_search_scorer): Sphinx's defaults, except that neither a
 * glossary entry nor an API entry (a function of xent, from the API appendix) outranks the
 * chapters. An API entry whose name has the word scores about 16; capped at 9, it comes after
 * the chapters and the glossary. A glossary term is also an index entry, which Sphinx
 * scores about 100 (a page whose title has the word scores about 15); capped at 10, the
 * glossary's "entropy" comes after the chapters named after entropy and before pages that
 * merely mention it. Ties between chapters go to the earlier one. */
var Scorer = {
  score: (result) => {
    const [docname, , anchor, , score] = result;
    if (anchor && /(^|\/)glossary$/.test(docname)) return Math.min(score, 10);
    if (anchor && /(^|\/)api$/.test(docname)) return Math.min(score, 9);
    // Equal scores: the earlier chapter first (a term is taught where it first appears; later
    // chapters use it). Sphinx would list the later file name first.
    const chapter = /(^|\/)(\d\d)_/.exec(docname);
    return chapter ? score + (99 - Number(chapter[2])) / 1000 : score;
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
