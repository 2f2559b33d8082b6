// The warning before the idle time-out (WCAG 2.2.1, portal/session.py): two minutes before the
// session ends a dialog asks whether the user stays; one press keeps the session. Asking the server
// how long is left is no activity, so a page left open does not keep itself logged in, and another
// tab's work counts. When the time is up the dialog says so and leaves the page as it is, so that
// what was typed can still be copied.
(() => {
  const dialog = document.getElementById("sessie");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const url = dialog.dataset.url;
  const warning = dialog.querySelector('[data-state="warning"]');
  const ended = dialog.querySelector('[data-state="ended"]');
  const token = document.querySelector('#uitloggen input[name="csrfmiddlewaretoken"]');
  let warnBefore = 120; // seconds; a third of a short time-out
  let timer = null;

  const ask = async (keep) => {
    try {
      const response = await fetch(url, {
        method: keep ? "POST" : "GET",
        headers: { Accept: "application/json", ...(keep && token ? { "X-CSRFToken": token.value } : {}) },
        credentials: "same-origin",
        cache: "no-store",
      });
      const answer = await response.json();
      if (answer.totaal) warnBefore = Math.min(120, Math.floor(answer.totaal / 3));
      return Number(answer.seconden) || 0;
    } catch {
      return null; // no answer (the network, a restart): ask again later
    }
  };

  const later = (seconds) => {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(1, seconds) * 1000);
  };

  const showEnded = () => {
    clearTimeout(timer);
    warning.hidden = true;
    ended.hidden = false;
    dialog.setAttribute("aria-labelledby", "sessie-kop-uit");
    const back = new URLSearchParams({ verlopen: "1", next: location.pathname + location.search });
    ended.querySelector("[data-login-again]").href = `${dialog.dataset.login}?${back}`;
    if (!dialog.open) dialog.showModal();
    ended.querySelector("[data-login-again]").focus();
  };

  const showWarning = (left) => {
    const end = new Date(Date.now() + left * 1000);
    warning.querySelector("[data-end]").textContent = end.toLocaleTimeString(document.documentElement.lang || "nl", {
      hour: "2-digit",
      minute: "2-digit",
    });
    if (!dialog.open) dialog.showModal();
  };

  async function check() {
    const left = await ask(false);
    if (left === null) return later(30);
    if (left <= 0) return showEnded();
    if (left > warnBefore) {
      if (dialog.open && !warning.hidden) dialog.close(); // another tab kept the session
      return later(left - warnBefore);
    }
    showWarning(left);
    later(Math.min(left, 20)); // the end, or another tab's activity, is seen within 20 s
  }

  const keep = async () => {
    const left = await ask(true);
    if (left === null) return later(5);
    if (left <= 0) return showEnded();
    dialog.close();
    later(left - warnBefore);
  };

  dialog.querySelector("[data-keep]").addEventListener("click", keep);
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  // Escape while warned is an answer too: the user is there.
  dialog.addEventListener("cancel", (event) => {
    if (warning.hidden) return;
    event.preventDefault();
    keep();
  });
  check();
})();
