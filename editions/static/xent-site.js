/* The website for keyboard, screen-reader and phone readers (loaded on every page by
 * editions/website.py, after MathJax's configuration): the colour theme resolved before the
 * first layout; a table out of sight until it is parsed; display equations fitted to their
 * column (down to MIN_SCALE, then scrolling in their box as a named Tab stop), as MathJax
 * typesets and when their block changes width; room kept for each formula until it is
 * typeset; distinct ids for the search page's two fields; Escape from search returns focus;
 * collapsible blocks' buttons named by their title.
 */
(() => {
  "use strict";

  // The theme resolves data-theme="auto" only at DOMContentLoaded; until then inline code has
  // no border (undefined colour), and lines rewrapped when it came (layout shift 0.09, ch6).
  const root = document.documentElement;
  if (root.dataset.theme !== "light" && root.dataset.theme !== "dark") {
    root.dataset.theme = window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark" : "light";
  }

  // ---- a table out of sight until the parser has passed it ---------------------------------
  // Its column widths depend on every row: painted half-parsed (a busy or slow reader), its
  // columns widened as later rows came and the text in them rewrapped (layout shift 0.10 on
  // the notation page). Out of sight (class xent-parsing), it moves nothing that is seen.
  const held = new Set();
  const passed = (el) => {
    for (let node = el; node && node !== document.body; node = node.parentNode) {
      if (node.nextSibling) return true;
    }
    return false;
  };
  const showParsed = (all) => {
    for (const table of held) {
      if (all || passed(table)) {
        table.classList.remove("xent-parsing");
        held.delete(table);
      }
    }
  };
  const parsing = new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeName === "TABLE" && !passed(node)) {
          node.classList.add("xent-parsing");
          held.add(node);
        }
      }
    }
    showParsed(false);
  });
  parsing.observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", () => {
    parsing.disconnect();
    showParsed(true);
  });

  const MIN_SCALE = 0.7;

  // A formula that still scrolls is a Tab stop, named, so a keyboard reader can scroll it
  // (WCAG 2.1.1); it loses that when it fits again.
  const SCROLLS = document.documentElement.lang.startsWith("zh")
    ? (number) => `公式${number}，可横向滚动` : (number) => `Equation ${number}, scrolls sideways`;
  function markScrolling(eq) {
    const scrolls = eq.scrollWidth > eq.clientWidth + 1;
    if (scrolls && !eq.hasAttribute("data-xent-scrolls")) {
      const number = eq.parentElement.querySelector(":scope > .eqno")?.firstChild?.textContent;
      eq.setAttribute("data-xent-scrolls", "");
      eq.setAttribute("tabindex", "0");
      eq.setAttribute("role", "group");
      eq.setAttribute("aria-label", SCROLLS((number || "").trim()).replace(/\s+，|\s+,/, ","));
    } else if (!scrolls && eq.hasAttribute("data-xent-scrolls")) {
      for (const name of ["data-xent-scrolls", "tabindex", "role", "aria-label"]) {
        eq.removeAttribute(name);
      }
    }
  }

  // A formula over by <= SLACK_PX (at MIN_SCALE, 359 px in 358) is set that little smaller:
  // a 1 px scroll is no Tab stop (markScrolling) but axe-core wants one.
  const SLACK_PX = 4;
  function fit(eq) {
    const math = eq.querySelector(":scope > mjx-math");
    if (!math) return;
    math.style.fontSize = "";
    const style = getComputedStyle(eq);
    const room = eq.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (room <= 0) return;  // not shown: fitted when it is (watchWidth)
    const need = math.getBoundingClientRect().width;
    let scale = 1;
    if (need > room + 0.5) {
      scale = Math.max(MIN_SCALE, Math.floor((room / need) * 1000) / 1000);
      math.style.fontSize = `${(scale * 100).toFixed(1)}%`;
    }
    for (let tries = 0; tries < 3; tries++) {
      const over = eq.scrollWidth - eq.clientWidth;
      if (over <= 0 || over > SLACK_PX) break;
      const width = math.getBoundingClientRect().width;
      scale = Math.floor(scale * ((width - over - 0.5) / width) * 1000) / 1000;
      math.style.fontSize = `${(scale * 100).toFixed(1)}%`;
    }
    markScrolling(eq);
  }
  const DISPLAY = '.bd-article div.math > mjx-container[display="true"]';
  // Refitted when its block changes width (a resized window, an opened solution).
  const widths = new WeakMap();
  const watchWidth = typeof ResizeObserver === "function" ? new ResizeObserver((entries) => {
    for (const entry of entries) {
      const width = Math.round(entry.contentRect.width);
      if (widths.get(entry.target) === width) continue;
      widths.set(entry.target, width);
      const eq = entry.target.querySelector(':scope > mjx-container[display="true"]');
      if (eq) fit(eq);
    }
  }) : null;
  function fitEquations() {
    for (const eq of document.querySelectorAll(DISPLAY)) {
      fit(eq);
      if (watchWidth && !widths.has(eq.parentElement)) {
        widths.set(eq.parentElement, Math.round(eq.parentElement.getBoundingClientRect().width));
        watchWidth.observe(eq.parentElement);
      }
    }
  }

  // ---- an inline formula wider than its line ------------------------------------------------
  // The theme clips an inline formula at its line's width (span.math: max-width 100%, overflow
  // hidden), so a long one lost its end with no way to see it (25 formulas in English at 390
  // px, most in solutions). It is set smaller down to MIN_SCALE, like a display equation, and
  // if still too wide it scrolls in its box, as a named Tab stop (class xent-wide).
  const WIDE_EX = 20;  // narrower formulas fit every line the site has (a phone's: 291 px)
  const FORMULA = document.documentElement.lang.startsWith("zh")
    ? "公式，可横向滚动" : "Formula, scrolls sideways";
  const BLOCK = "p, li, dd, dt, td, th, figcaption, div";
  function fitInline(span) {
    const math = span.querySelector(":scope > mjx-container > mjx-math");
    const block = span.parentElement.closest(BLOCK);
    if (!math || !block) return;
    math.style.fontSize = "";
    const style = getComputedStyle(block);
    // punctuation held to the formula (editions/website.py) takes 1 em of the line
    const held = span.parentElement.classList.contains("xent-nobreak")
      ? parseFloat(getComputedStyle(span).fontSize) : 0;
    const room = block.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight) - held;
    const need = math.getBoundingClientRect().width;
    let scrolls = false;
    if (room > 0 && need > room + 0.5) {
      const scale = Math.max(MIN_SCALE, Math.floor((room / need) * 1000) / 1000);
      math.style.fontSize = `${(scale * 100).toFixed(1)}%`;
      scrolls = math.getBoundingClientRect().width > room + 0.5;
    }
    span.classList.toggle("xent-wide", scrolls);
    if (scrolls) {
      span.setAttribute("tabindex", "0");
      span.setAttribute("role", "group");
      span.setAttribute("aria-label", FORMULA);
    } else {
      for (const name of ["tabindex", "role", "aria-label"]) span.removeAttribute(name);
    }
  }
  const long = (span) => parseFloat((span.dataset.xent || "").split(" ")[0]) > WIDE_EX
    || !span.dataset.xent;
  // Refitted when its block changes width (a resized window, an opened solution).
  const watchInline = typeof ResizeObserver === "function" ? new ResizeObserver((entries) => {
    for (const entry of entries) {
      const width = Math.round(entry.contentRect.width);
      if (widths.get(entry.target) === width) continue;
      widths.set(entry.target, width);
      for (const span of entry.target.querySelectorAll("span.math")) {
        if (long(span) && span.parentElement.closest(BLOCK) === entry.target) fitInline(span);
      }
    }
  }) : null;
  function fitInlineFormulas() {
    for (const span of document.querySelectorAll(".bd-article span.math")) {
      if (!long(span)) continue;
      fitInline(span);
      const block = span.parentElement.closest(BLOCK);
      if (watchInline && block && !widths.has(block)) {
        widths.set(block, Math.round(block.getBoundingClientRect().width));
        watchInline.observe(block);
      }
    }
  }

  // ---- room for each formula before MathJax has typeset it ---------------------------------
  // MathJax typesets after the first paint; the TeX source is wider than the formula, so lines
  // rewrapped when it came (layout shift 0.15). Each formula's TeX, as it is parsed, is hidden
  // in a box of its size (data-xent, else texSize's estimate; class xent-pending) until
  // MathJax has typeset it and loaded its fonts (release).
  // ---- an estimate of a formula's typeset size, from its TeX -------------------------------
  const WIDE = { m: 0.88, w: 0.72, M: 0.97, W: 1.05, i: 0.35, j: 0.41, l: 0.3, f: 0.49, t: 0.36 };
  const REL = new Set(["le", "ge", "leq", "geq", "ne", "neq", "approx", "sim", "equiv", "to",
    "rightarrow", "leftarrow", "Rightarrow", "mapsto", "in", "notin", "subset", "propto", "gets",
    "coloneqq", "simeq", "ll", "gg", "iff", "implies", "Leftrightarrow"]);
  const BIN = new Set(["times", "pm", "mp", "cdot", "circ", "ast", "odot", "otimes", "oplus", "cup", "cap", "setminus"]);
  const FUN = new Set(["log", "ln", "exp", "sin", "cos", "tan", "max", "min", "arg", "lim", "det",
    "Pr", "sup", "inf", "argmax", "argmin", "tanh", "sigmoid"]);
  const ROMAN = new Set(["mathrm", "text", "operatorname", "textrm", "mbox", "textit", "textbf",
    "mathsf", "texttt", "mathtt"]);
  const KEEP = new Set(["hat", "bar", "tilde", "vec", "overline", "underline", "boldsymbol",
    "mathbf", "mathit", "bm", "widehat", "widetilde", "dot", "ddot", "mathbb", "mathcal",
    "mathscr", "mathfrak", "displaystyle", "textstyle", "scriptstyle"]);
  const SPACE = { ",": 0.17, ":": 0.22, ";": 0.28, "!": -0.17, " ": 0.25, quad: 1, qquad: 2 };
  const ZERO = new Set(["left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl",
    "Bigr", "biggl", "biggr", "middle", "limits", "nolimits", "label", "nonumber", "notag",
    "begin", "end", "split", "aligned", "align", "hline", "phantom"]);
  // Returns [width in em, height class] of TeX source: height 0 plain, 1 fraction, 2 big operator
  function texSize(tex, display) {
    let i = 0, tall = 0;
    const group = () => {  // one argument: {...} or one token
      while (tex[i] === " ") i++;
      if (tex[i] === "{") {
        let depth = 0, j = i;
        for (; j < tex.length; j++) {
          if (tex[j] === "\\") { j++; continue; }
          if (tex[j] === "{") depth++;
          else if (tex[j] === "}" && --depth === 0) break;
        }
        const inner = tex.slice(i + 1, j);
        i = j + 1;
        return inner;
      }
      if (tex[i] === "\\") {
        const m = /^\\([a-zA-Z]+|.)/.exec(tex.slice(i));
        i += m[0].length;
        return m[0];
      }
      return tex[i++] || "";
    };
    const roman = (s) => s.replace(/\\[a-zA-Z]+/g, "x").replace(/[{}]/g, "").length * 0.5;
    let width = 0, last = 0;
    while (i < tex.length) {
      const c = tex[i];
      if (c === "\\") {
        const m = /^\\([a-zA-Z]+|.)/.exec(tex.slice(i));
        i += m[0].length;
        const name = m[1];
        let w;
        if (name === "frac" || name === "dfrac" || name === "tfrac") {
          const a = texSize(group(), false)[0], b = texSize(group(), false)[0];
          w = display || name === "dfrac" ? Math.max(a, b) + 0.3 : Math.max(a, b) * 0.72 + 0.25;
          tall = Math.max(tall, display ? 1 : 0);
        } else if (name === "sqrt") { w = texSize(group(), display)[0] + 0.85; }
        else if (ROMAN.has(name)) { w = roman(group()); }
        else if (KEEP.has(name)) { w = name.startsWith("display") || name.endsWith("style") ? 0 : texSize(group(), display)[0]; }
        else if (name in SPACE) { w = SPACE[name]; }
        else if (name === "hspace" || name === "mspace") { group(); w = 0.5; }
        else if (ZERO.has(name)) { if (name === "begin" || name === "end") group(); w = 0; }
        else if (REL.has(name)) { w = 1.33; }
        else if (BIN.has(name)) { w = name === "cdot" ? 0.72 : 1.22; }
        else if (FUN.has(name)) { w = name.length * 0.5 + 0.17; }
        else if (name === "sum" || name === "prod" || name === "int") { w = display ? 1.45 : 1.05; tall = Math.max(tall, display ? 2 : 0); }
        else if (/^(c|l)?dots$/.test(name)) { w = 1.2; }
        else if (name === "Vert" || name === "|") { w = 0.5; }
        else if (name === "vert" || name === "mid") { w = name === "mid" ? 0.84 : 0.28; }
        else if (name === "\\") { w = 0; }
        else if (name === "{" || name === "}") { w = 0.5; }
        else if (name === "infty") { w = 1.0; }
        else if (name === "ell" || name === "partial") { w = 0.5; }
        else { w = 0.6; }  // Greek letters, other symbols
        width += w; last = w;
      } else if (c === "_" || c === "^") {
        i++;
        let w = texSize(group(), false)[0] * 0.71;
        while (tex[i] === " ") i++;
        if ((tex[i] === "_" || tex[i] === "^") && tex[i] !== c) { i++; w = Math.max(w, texSize(group(), false)[0] * 0.71); }
        width += w; last = w;
      } else if (c === "{") {
        const [w, t] = texSize(group(), display); width += w; last = w; tall = Math.max(tall, t);
      } else {
        i++;
        let w;
        if (/[a-zA-Z]/.test(c)) w = WIDE[c] || (c === c.toUpperCase() ? 0.75 : 0.55);
        else if (/[0-9]/.test(c)) w = 0.5;
        else if (c === "=" || c === "<" || c === ">") w = 1.33;
        else if (c === "+" || c === "-") w = width ? 1.22 : 0.78;
        else if ("()[]".includes(c)) w = 0.39;
        else if (c === "," || c === ";") w = 0.45;
        else if (c === "." || c === "|" || c === "!" || c === "'") w = 0.28;
        else if (c === "/") w = 0.5;
        else if (c === "~") w = 0.33;
        else w = 0;  // spaces, &, }
        width += w; last = w;
      }
    }
    return [width, tall];
  }

  const INLINE_SCALE = 1.265;  // MathJax's formulas are set larger than the text (ex-height)
  const ROW = [1.65, 2.9, 3.9];  // a display row's height (em): plain, fraction, big operator
  function reserve(el) {
    if (el.classList.contains("xent-pending") || el.querySelector("mjx-container")) return;
    const source = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.textContent).join("");
    const tex = source.trim().replace(/^\\[[(]|\\[\])]$/g, "");
    if (!tex) return;
    if (el.tagName === "DIV") {
      const rows = tex.split(/\\\\/);
      const height = rows.reduce((h, row) => h + ROW[texSize(row, true)[1]], 0)
        + 0.25 * (rows.length - 1) + 1.2;
      el.style.setProperty("--xent-h", `${height.toFixed(2)}em`);
    } else {
      // width, height, depth: measured, in ex (data-xent, editions/formula_widths.py), else
      // estimated, in em (the height of a fraction or of a bracket)
      const frac = /\\[dt]?frac/.test(tex);
      const size = el.dataset.xent ? el.dataset.xent.split(" ").map((v) => `${v}ex`)
        : [`${(texSize(tex, false)[0] * INLINE_SCALE).toFixed(2)}em`,
          frac ? "1.3em" : "1.02em", frac ? "0.6em" : "0.38em"];
      ["w", "a", "d"].forEach((k, i) => el.style.setProperty(`--xent-${k}`, size[i]));
    }
    el.classList.add("xent-pending");
  }
  // The typeset formulas take their room once MathJax's fonts have loaded (a fallback font's
  // line heights made a line 2 px taller for a moment).
  function release() {
    void document.body.offsetHeight;  // lay the formulas out: their fonts start loading
    const loaded = Promise.race([document.fonts.ready, new Promise((r) => setTimeout(r, 3000))]);
    return loaded.then(() => {
      document.querySelectorAll(".math.xent-pending").forEach((el) => {
        el.classList.remove("xent-pending");
      });
    });
  }
  if (window.MathJax && typeof window.MathJax === "object") {
    // Should MathJax never typeset (a script that fails to load), the TeX comes back.
    window.addEventListener("load", () => setTimeout(() => {
      if (!document.querySelector("mjx-container")) release();
    }, 10000));
    const watch = new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeType !== Node.ELEMENT_NODE) continue;
          if (node.matches(".math")) reserve(node);
          node.querySelectorAll(".math").forEach(reserve);
          // a formula's text arrives after its element
          const math = node.parentElement?.closest(".math");
          if (math) reserve(math);
        }
        if (record.target.nodeType === Node.ELEMENT_NODE && record.target.matches(".math")) {
          reserve(record.target);
        }
      }
    });
    watch.observe(document.documentElement, { childList: true, subtree: true });
    document.addEventListener("DOMContentLoaded", () => {
      watch.takeRecords();
      watch.disconnect();
      document.querySelectorAll(".math").forEach(reserve);
    });
  }

  // Fit the equations in the task that puts the typeset formulas into the page.
  if (window.MathJax && typeof window.MathJax === "object") {
    const startup = (window.MathJax.startup = window.MathJax.startup || {});
    startup.pageReady = () => window.MathJax.startup.defaultPageReady()
      .then(fitEquations)
      .then(fitInlineFormulas)
      .then(release)
      // again with MathJax's fonts in (with a fallback font a formula may seem to scroll)
      .then(fitEquations)
      .then(fitInlineFormulas);
  }
  // Escape from search: focus goes back to what had it before the search field.
  let beforeSearch = null;
  document.addEventListener("focusin", (event) => {
    if (event.target.matches("form.bd-search input")) {
      if (event.relatedTarget && !event.relatedTarget.closest("form.bd-search")) {
        beforeSearch = event.relatedTarget;
      }
    }
  });
  window.addEventListener("keydown", (event) => {
    // The theme's handler (capturing, on window) has run: the field is blurred, the box closed.
    if (event.key !== "Escape" || !event.target.matches?.("form.bd-search input")) return;
    if (document.activeElement && document.activeElement !== document.body) return;
    const back = beforeSearch && beforeSearch.isConnected && beforeSearch.getClientRects().length
      ? beforeSearch
      : [...document.querySelectorAll(".search-button__button")]
          .find((b) => b.getClientRects().length);
    if (back) back.focus();
  });

  document.addEventListener("DOMContentLoaded", () => {
    // The search page's two fields (its own, the theme's dialog) share an id: the dialog's
    // gets its own (nothing refers to either).
    const fields = document.querySelectorAll('[id="search-input"]');
    if (fields.length > 1) {
      fields.forEach((field) => {
        if (field.closest(".search-button__wrapper")) field.id = "search-input-dialog";
      });
    }
    // The chapter list is a landmark (its site title sat outside every landmark).
    const sidebar = document.querySelector(".bd-sidebar-primary");
    if (sidebar && !sidebar.closest("nav, [role=navigation]")) {
      sidebar.setAttribute("role", "navigation");
      sidebar.setAttribute("aria-label", document.querySelector("nav.bd-links")?.getAttribute("aria-label") || "Chapters");
    }
    // Collapsible blocks: the toggle button is named by the block's title.
    for (const button of document.querySelectorAll(".admonition-title > button.toggle-button")) {
      const title = button.parentElement.cloneNode(true);
      title.querySelectorAll("button, .headerlink").forEach((el) => el.remove());
      const text = title.textContent.replace(/\s+/g, " ").trim();
      if (text) button.setAttribute("aria-label", text);
    }
  });
})();
