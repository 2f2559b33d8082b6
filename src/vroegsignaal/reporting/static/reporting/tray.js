// The tray's bulk form: a box that ticks every signal of the page, and no question about an
// action when nothing is ticked. Without JavaScript the form works as it is (the server
// says so when nothing was ticked).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("bulk");
  if (!form) return;
  const boxes = [...form.querySelectorAll('input[type="checkbox"][name="signaal"]')];
  const all = document.getElementById("bulk-all");
  const message = document.getElementById("bulk-none");

  const update = () => {
    const ticked = boxes.filter((box) => box.checked).length;
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    if (ticked && message) message.textContent = "";
  };

  if (all) {
    document.getElementById("bulk-all-box").hidden = false;
    document.getElementById("bulk-all-fallback").remove();
    all.addEventListener("change", () => {
      boxes.forEach((box) => { box.checked = all.checked; });
      update();
    });
  }
  boxes.forEach((box) => box.addEventListener("change", update));
  update();  // the browser may have kept ticks from before a reload

  // What the chosen action needs (a reason, a team) is required, so the browser asks for it
  // before the confirmation does: a form that is not valid sends no submit event.
  const action = document.getElementById("b-actie");
  const needs = { niet_opgepakt: "b-reden", toewijzen: "b-team" };
  const requireForAction = () => {
    Object.entries(needs).forEach(([value, id]) => {
      const field = document.getElementById(id);
      if (field) field.required = action.value === value;
    });
  };
  if (action) {
    action.addEventListener("change", requireForAction);
    requireForAction();
  }

  // In the capture phase, so it runs before the portal's confirmation (portal.js) and stops it.
  form.addEventListener("submit", (event) => {
    if (boxes.some((box) => box.checked)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (message) message.textContent = form.dataset.noneTicked;
  }, true);
});
