// Small progressive enhancements; the portal works without JavaScript.

// A table wider than the screen scrolls sideways in its box (.table-scroll in portal.css; the reports'
// .chart-table and .timeline-wrap). Without a link or field in it, the keyboard reaches that box only if
// the box takes focus (WCAG 2.1.1; axe's scrollable-region-focusable): while it scrolls it is in the tab
// order, a region named after its table (its caption, or the table's own label); once it fits again it is
// a plain box, no tab stop that does nothing. The templates give a box no tabindex of its own: whether it
// scrolls depends on the screen, the language and the data, which only the browser knows.
const SCROLL_BOXES = ".table-scroll, .chart-table, .timeline-wrap";
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
  entries.forEach(({ target }) => {
    const box = target.closest(SCROLL_BOXES);
    if (box) fitTableBox(box);
  });
});

const watched = new WeakSet();
const watchTableBoxes = (root) => {
  root.querySelectorAll(SCROLL_BOXES).forEach((box) => {
    if (watched.has(box)) return;
    watched.add(box);
    fitTableBox(box);
    tableBoxes.observe(box); // the window's width
    const table = box.querySelector("table");
    if (table) tableBoxes.observe(table); // the table's own (its contents, a font that loads late)
  });
};

// What the last action did takes the focus when the page opens: the summary of a form's errors
// (portal/_error_summary.html), else the messages (portal/base.html), else what the page itself found
// that the user must know first (its element with data-outcome and tabindex="-1": the upload's preview
// warns of a file that would be refused, or doubtful). A screen reader then says it and
// the next Tab goes on from there. The summary's autofocus does this without script, but a browser
// skips autofocus when the address has a #fragment (a form that posts to "…#section"), and a live region
// that is already in the page as it loads is not read out. On "load", after the browser has gone to the
// fragment (which takes the focus to its target, or away from the summary).
const focusOutcome = () => {
  const outcome =
    document.querySelector(".error-summary") ||
    document.getElementById("meldingen") ||
    document.querySelector("[data-outcome]");
  if (!outcome || outcome.contains(document.activeElement)) return;
  const active = document.activeElement;
  if (active && active !== document.body && active.id !== "main" && !active.hasAttribute("autofocus")) return;
  outcome.focus();
};

window.addEventListener("load", focusOutcome);

// A filter form (GET, <form data-results="id">) reloads the page at its top, and nothing says what it
// found: after it, the count of results (the element with that id) takes the focus, so a screen reader
// reads it ("12 signalen") and Tab goes on to the results. Only on the page the form was sent from, and
// not over an error summary.
const RESULTS = "vroegsignaal-resultaat";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.results) {
    sessionStorage.setItem(RESULTS, JSON.stringify({ path: location.pathname, id: form.dataset.results }));
  }
});
window.addEventListener("load", () => {
  const wanted = sessionStorage.getItem(RESULTS);
  if (!wanted) return;
  sessionStorage.removeItem(RESULTS);
  const { path, id } = JSON.parse(wanted);
  const target = path === location.pathname && document.getElementById(id);
  if (target && !document.querySelector(".error-summary")) target.focus();
});

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

// Content htmx puts in the page (a delivery's report once it is processed). What it says of itself in
// data-announce (the delivery's outcome) goes to the page's live region (#aankondiging, portal/base.html),
// which is there from the start: a screen reader reads a change in it, not a region that is new.
document.addEventListener("htmx:load", (event) => {
  watchTableBoxes(event.target);
  const region = document.getElementById("aankondiging");
  if (event.target === document.body || !region || !event.target.dataset) return;
  const text = event.target.dataset.announce;
  if (text) region.textContent = text;
});

// An htmx request that fails (a 503 while a large delivery holds the database, a 500, no answer at all)
// swaps nothing: without this the page would just stop changing. The page's alert region (#verzoekfout,
// portal/base.html) then says what happened, from one of its <template>s (the texts are the template's,
// in the user's language): "bezig" for a 503, "fout" for anything else. It is written only when its text
// changes, so a status that polls every second does not repeat it to a screen reader, and emptied by the
// next request that succeeds.
const showRequestError = (kind) => {
  const region = document.getElementById("verzoekfout");
  const text = document.getElementById(`verzoekfout-${kind}`);
  if (!region || !text || region.dataset.shown === kind) return;
  region.dataset.shown = kind;
  const alert = document.createElement("p");
  alert.className = `utrecht-alert utrecht-alert--${text.dataset.soort}`;
  alert.append(text.content.cloneNode(true));
  region.replaceChildren(alert);
};
document.addEventListener("htmx:responseError", (event) => {
  showRequestError(event.detail.xhr && event.detail.xhr.status === 503 ? "bezig" : "fout");
});
document.addEventListener("htmx:sendError", () => showRequestError("fout"));
document.addEventListener("htmx:afterRequest", (event) => {
  const region = document.getElementById("verzoekfout");
  if (!event.detail.successful || !region || !region.dataset.shown) return;
  delete region.dataset.shown;
  region.replaceChildren();
});
