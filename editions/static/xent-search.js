/* Search results show a snippet of the chapter's own text, from its first match.
 *
 * Sphinx's search builds each result's snippet from the page's [role=main] element, which in
 * sphinx-book-theme starts with the article's header buttons ("Binder", "Colab",
 * "Repository", ...). This drops that chrome, the print-only contents, the page title (the
 * result already shows it), the code cells and the previous/next links before the text is
 * taken. The snippet starts at the sentence of the first word of the query found in the
 * chapter's body: the learning objectives at the top of a chapter are skipped unless only they
 * hold the word (Sphinx starts 120 characters before its last search word, and a stemmed word
 * such as "entropi" is never found, so snippets began with "Learning objectives After this
 * chapter yo"). Loaded on every page; it only acts where Sphinx's search (searchtools.js)
 * runs. */
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
  const toText = Search.htmlToText;
  const chrome = ".bd-header-article, .prev-next-area, .bd-footer-article, .bd-sidebar-secondary, "
    + ".cell_input, .toggle-details__summary, mjx-assistive-mml, #print-main-content, h1";
  // A chapter's learning objectives: the box right after its title.
  const objectives = "h1 + div.admonition";
  const pageText = (html, anchor, withObjectives) => {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const drop = withObjectives ? chrome : `${objectives}, ${chrome}`;
    doc.querySelectorAll(drop).forEach((el) => el.remove());
    // Math is TeX source in the page's file: show "H(p, q)", not "\(H(p, q)\)".
    doc.querySelectorAll(".math").forEach((el) => { el.textContent = plainTeX(el.textContent); });
    return toText(doc.documentElement.outerHTML, anchor).replace(/\s+/g, " ").trim();
  };
  Search.htmlToText = (html, anchor) => pageText(html, anchor, true);

  // The query's words as typed (lower case), besides the stemmed ones Sphinx passes on.
  let typed = [];
  const performSearch = Search._performSearch;
  if (typeof performSearch === "function") {
    Search._performSearch = (query, searchTerms, excludedTerms, highlightTerms, ...rest) => {
      typed = [...(highlightTerms || [])];
      return performSearch(query, searchTerms, excludedTerms, highlightTerms, ...rest);
    };
  }
  const LENGTH = 240;
  Search.makeSearchSummary = (html, keywords, anchor) => {
    const words = [...new Set([...typed, ...keywords])].map((w) => w.toLowerCase()).filter(Boolean);
    const firstMatch = (text) => {
      const lower = text.toLowerCase();
      const found = words.map((w) => lower.indexOf(w)).filter((i) => i > -1);
      return found.length ? Math.min(...found) : -1;
    };
    let text = pageText(html, anchor, false);
    let at = firstMatch(text);
    if (at < 0) {
      const whole = pageText(html, anchor, true);
      if (firstMatch(whole) > -1 || !text) [text, at] = [whole, firstMatch(whole)];
    }
    if (!text) return null;
    // From the start of the match's sentence, if it is near; else a few words before it.
    let start = 0;
    if (at > 0) {
      const before = text.slice(Math.max(0, at - 80), at);
      const sentence = Math.max(before.lastIndexOf(". "), before.lastIndexOf("。"),
        before.lastIndexOf("？"), before.lastIndexOf("！"), before.lastIndexOf("? "));
      if (sentence > -1) {
        start = at - before.length + sentence + 1;
      } else {
        start = Math.max(0, at - 30);
        const space = text.indexOf(" ", start);
        if (start > 0 && space > -1 && space < at) start = space + 1;
      }
    }
    const snippet = text.slice(start, start + LENGTH).trim();
    const summary = document.createElement("p");
    summary.classList.add("context");
    summary.textContent = (start > 0 ? "…" : "") + snippet
      + (start + LENGTH < text.length ? "…" : "");
    return summary;
  };
});

/* A readable approximation of a short TeX formula, for a snippet. */
function plainTeX(tex) {
  const symbols = { Vert: "‖", mid: "|", ge: "≥", le: "≤", sim: "~", cdot: "·", times: "×",
    infty: "∞", sum: "Σ", log: "log", ln: "ln", exp: "exp", leftarrow: "←", to: "→",
    alpha: "α", beta: "β", gamma: "γ", epsilon: "ε", varepsilon: "ε", eta: "η", lambda: "λ",
    mu: "μ", sigma: "σ", theta: "θ", ell: "ℓ", partial: "∂", approx: "≈", neq: "≠" };
  return tex
    .replace(/^\s*\\[([]|\\[)\]]\s*$/g, "")
    .replace(/\\(?:mathrm|text|mathbb|mathbf|operatorname)\{([^{}]*)\}/g, "$1")
    .replace(/\\([a-zA-Z]+)/g, (m, name) => (name in symbols ? symbols[name] : ""))
    .replace(/\\[,;!: ]/g, " ")
    .replace(/[{}]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
