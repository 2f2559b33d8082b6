// Small progressive enhancements; the portal works without JavaScript.

// A table wider than the screen scrolls sideways in its .table-scroll box (portal.css). Without a
// link or field in it, the keyboard reaches that box only if the box takes focus (WCAG 2.1.1; axe's
// scrollable-region-focusable): while it scrolls it is in the tab order, a region named after its
// table (its caption, or the table's own label); once it fits again it is a plain box. A box given
// its own tabindex in the template is left as it is.
let captions = 0;
const tableLabel = (box) => {
  const table = box.querySelector("table");
  if (!table) return null;
  if (table.hasAttribute("aria-labelledby")) return { labelledby: table.getAttribute("aria-labelledby") };
  if (table.hasAttribute("aria-label")) return { label: table.getAttribute("aria-label") };
  const caption = table.querySelector(":scope > caption");
  if (!caption) return null;
  if (!caption.id) caption.id = `tabelkop-${(captions += 1)}`;
  return { labelledby: caption.id };
};

const fitTableBox = (box) => {
  const scrolls = box.scrollWidth > box.clientWidth;
  if (scrolls === box.hasAttribute("data-scrolls")) return;
  if (scrolls) {
    box.setAttribute("data-scrolls", "");
    box.tabIndex = 0;
    const name = tableLabel(box);
    if (name) {
      box.setAttribute("role", "region");
      if (name.labelledby) box.setAttribute("aria-labelledby", name.labelledby);
      else box.setAttribute("aria-label", name.label);
    }
  } else {
    ["data-scrolls", "tabindex", "role", "aria-labelledby", "aria-label"].forEach((a) => box.removeAttribute(a));
  }
};

const tableBoxes = new ResizeObserver((entries) => {
  entries.forEach(({ target }) => fitTableBox(target.closest(".table-scroll")));
});

const watchTableBoxes = (root) => {
  root.querySelectorAll(".table-scroll:not([tabindex])").forEach((box) => {
    fitTableBox(box);
    tableBoxes.observe(box); // the window's width
    const table = box.querySelector("table");
    if (table) tableBoxes.observe(table); // the table's own (its contents, a font that loads late)
  });
};

document.addEventListener("DOMContentLoaded", () => {
  // Confirm irreversible actions: <form data-confirm="…">.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  watchTableBoxes(document);
  // A value to copy (a new API key): <button data-copy="FIELD-ID" data-copied="…" hidden>. Shown only
  // where the browser lets a page write to the clipboard (https or localhost); the field stays
  // selectable by hand either way.
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.getAttribute("aria-describedby") || "");
    if (!field || !navigator.clipboard || !window.isSecureContext) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      field.select();
      navigator.clipboard.writeText(field.value).then(
        () => { if (status) status.textContent = button.dataset.copied; },
        () => { if (status) status.textContent = button.dataset.failed; },
      );
    });
  });
});

// Content htmx puts in the page (a delivery's report once it is processed).
document.addEventListener("htmx:load", (event) => watchTableBoxes(event.target));
