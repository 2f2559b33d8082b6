// The rules page (Signaalregels): the question before saving (portal.js asks the form's
// data-confirm on submit) lists what changes, old → new, against the rules in force, which the
// page gives as JSON (forms.rules_confirm_data). Without this script the question is asked
// without the list.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.rules-form[data-confirm]");
  const source = document.getElementById("rules-in-force");
  if (!form || !source) return;
  const { rules, heading, none, base } = JSON.parse(source.textContent);
  // "€ 1.000", "1000" and "1.000,-" are the same number; other text stays as typed.
  const number = (text) => text.replace(/[€\s\u00a0.]/g, "").replace(/,(-|00?)$/, "");
  const label = (input) => (input.closest("label")?.textContent || input.value).trim();

  const changes = () => {
    const lines = [];
    for (const rule of rules) {
      const inputs = [...form.elements].filter((element) => element.name === rule.name);
      if (!inputs.length) continue;
      let same;
      let typed;
      if (inputs[0].type === "radio" || inputs[0].type === "checkbox") {
        const checked = inputs.filter((input) => input.checked);
        const wanted = [].concat(rule.value).map(String).sort();
        same = JSON.stringify(checked.map((input) => input.value).sort()) === JSON.stringify(wanted);
        typed = checked.map((input) => rule.choices[input.value] || label(input)).join(", ") || none;
      } else {
        typed = inputs[0].value.trim();
        same = number(typed) === number(String(rule.value));
      }
      if (!same) lines.push(`• ${rule.short}: ${rule.shown} → ${typed}`);
    }
    return lines;
  };

  const update = () => {
    const lines = changes();
    form.dataset.confirm = lines.length ? `${heading}\n${lines.join("\n")}\n\n${base}` : base;
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
});
