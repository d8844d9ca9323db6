/* The website for keyboard, screen-reader and phone readers (loaded on every page by
 * editions/website.py, after MathJax's configuration).
 *
 * - Display equations fit their column: a formula wider than the column is set smaller, down
 *   to MIN_SCALE of its size (its text stays above 11 px); only a formula still too wide then
 *   scrolls in its box. It is done as MathJax typesets (before the page is painted, so nothing
 *   shifts) and again when the window changes width.
 * - Escape in the search field gives focus back to where the reader was (the theme drops it
 *   on the page's body, and the next Tab starts over at the top of the page).
 * - The button of a collapsible block (a solution, a dropdown) is named by its title ("Solution
 *   to Exercise 5.1"), in the page's language, instead of the toggle's English "Toggle hidden
 *   content".
 */
(() => {
  "use strict";

  const MIN_SCALE = 0.7;

  function fitEquations() {
    for (const eq of document.querySelectorAll('div.math > mjx-container[display="true"]')) {
      const math = eq.querySelector(":scope > mjx-math");
      if (!math) continue;
      math.style.fontSize = "";
      const style = getComputedStyle(eq);
      const room = eq.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const need = math.getBoundingClientRect().width;
      if (room > 0 && need > room + 0.5) {
        const scale = Math.max(MIN_SCALE, Math.floor((room / need) * 1000) / 1000);
        math.style.fontSize = `${(scale * 100).toFixed(1)}%`;
      }
    }
  }

  // MathJax (configured by the inline script before this one, loaded after it): fit the
  // equations in the same task that puts the typeset formulas into the page.
  if (window.MathJax && typeof window.MathJax === "object") {
    const startup = (window.MathJax.startup = window.MathJax.startup || {});
    startup.pageReady = () => window.MathJax.startup.defaultPageReady().then(fitEquations);
  }
  let lastWidth = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth === lastWidth) return; // a phone's toolbar, not a new width
    lastWidth = window.innerWidth;
    requestAnimationFrame(fitEquations);
  });

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
