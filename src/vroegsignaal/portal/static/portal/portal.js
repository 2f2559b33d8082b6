// Small progressive enhancements; the portal works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Confirm irreversible actions: <form data-confirm="…">.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
