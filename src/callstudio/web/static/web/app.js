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
  const label = button.textContent;
  button.textContent = copied ? "Copied" : "Press Ctrl+C";
  button.setAttribute("aria-live", "polite");
  setTimeout(() => { button.textContent = label; }, 1600);
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
