/* Search results show a snippet of the chapter's own text, not of the page's buttons.
 *
 * Sphinx's search builds each result's snippet from the page's [role=main] element, which in
 * sphinx-book-theme starts with the article's header buttons ("Binder", "Colab",
 * "Repository", ...). This drops that chrome, the print-only contents, the page title (the
 * result already shows it) and the previous/next links before the text is
 * taken. Loaded on every page; it only acts where Sphinx's search (searchtools.js) runs. */
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
  const toText = Search.htmlToText;
  const chrome = ".bd-header-article, .prev-next-area, .bd-footer-article, .bd-sidebar-secondary, "
    + ".cell_input, .toggle-details__summary, mjx-assistive-mml, #print-main-content, h1";
  Search.htmlToText = (html, anchor) => {
    const doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll(chrome).forEach((el) => el.remove());
    // Math is TeX source in the page's file: show "H(p, q)", not "\(H(p, q)\)".
    doc.querySelectorAll(".math").forEach((el) => { el.textContent = plainTeX(el.textContent); });
    return toText(doc.documentElement.outerHTML, anchor);
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
