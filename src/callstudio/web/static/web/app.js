// Copy buttons: <button data-copy="element-id">. No inline scripts anywhere (CSP).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const text = source.textContent.trim();
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch (_) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    copied = document.execCommand && document.execCommand("copy");
  }
  // The visible word changes for a moment; the accessible name ("Copy Workflow ID") keeps
  // starting with it, so it changes along.
  if (!button.dataset.label) {
    button.dataset.label = button.textContent;
    button.dataset.name = button.getAttribute("aria-label") || "";
  }
  const { label, name } = button.dataset;
  const shown = copied ? "Copied" : "Press Ctrl+C";
  button.textContent = shown;
  if (name) button.setAttribute("aria-label", shown + name.slice(label.length));
  button.setAttribute("aria-live", "polite");
  clearTimeout(button.copyTimer);
  button.copyTimer = setTimeout(() => {
    button.textContent = label;
    if (name) button.setAttribute("aria-label", name);
  }, 1600);
});

// Close an open menu with Escape, and when clicking elsewhere.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  });
});
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});

// Rule forms: show only the fields of the chosen condition or action type. Without this script
// every field shows, each saying which type it is for.
function showRuleFields(group) {
  const select = group.querySelector("select");
  if (!select) return;
  group.querySelectorAll("[data-when]").forEach((part) => {
    part.hidden = !part.dataset.when.split(" ").includes(select.value);
  });
}
document.querySelectorAll("[data-rule-fields]").forEach(showRuleFields);
document.addEventListener("change", (event) => {
  const group = event.target.closest("[data-rule-fields]");
  if (group && event.target.matches("select")) showRuleFields(group);
});

// After a failed form submit the page comes back with errors: move focus to the first field
// marked invalid, or else to the error summary, so a keyboard or screen reader user starts there.
// (Runs once, on load: this script is deferred, so the page is parsed by now.)
(function focusFirstError() {
  const main = document.getElementById("main");
  if (!main) return;
  const field = main.querySelector('[aria-invalid="true"]');
  const target = field || main.querySelector(".form-errors, .errorlist");
  if (!target) return;
  if (!field && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
})();

// Tabs scroll sideways on a narrow screen: bring the current one into view.
document.querySelectorAll(".tabs [aria-current='page']").forEach((tab) => {
  const tabs = tab.parentElement;
  if (tabs.scrollWidth > tabs.clientWidth) {
    tabs.scrollLeft = tab.offsetLeft - tabs.offsetLeft - (tabs.clientWidth - tab.offsetWidth) / 2;
  }
});

// A table wider than its frame scrolls inside it; a keyboard user scrolls it too once it can take
// focus (arrow keys), so such a frame becomes a named, focusable region while it overflows.
function markScrollableTables() {
  document.querySelectorAll(".table-wrap").forEach((frame) => {
    const scrolls = frame.scrollWidth > frame.clientWidth + 1;
    if (scrolls && !frame.hasAttribute("tabindex")) {
      const caption = frame.querySelector("caption");
      frame.setAttribute("tabindex", "0");
      frame.setAttribute("role", "region");
      frame.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
      frame.dataset.scrollRegion = "";
    } else if (!scrolls && "scrollRegion" in frame.dataset) {
      ["tabindex", "role", "aria-label", "data-scroll-region"].forEach((a) => frame.removeAttribute(a));
    }
  });
}
markScrollableTables();
window.addEventListener("resize", markScrollableTables);
