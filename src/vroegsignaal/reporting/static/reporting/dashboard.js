// Trend charts (Chart.js); the numbers come from the json_script next to each canvas.
(function () {
  "use strict";
  var COLOURS = ["#01689b", "#e17000", "#39870c", "#a90061", "#673327", "#8fcae7", "#ffb612", "#76d2b6", "#f9e11e", "#5a5a5a", "#ca005d"];

  function chart(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    if (!source) { return; }
    var table = JSON.parse(source.textContent);
    var share = canvas.dataset.kind === "share";
    var series = share ? table.series.filter(function (s) { return s.name.charAt(0) === "%"; }) : table.series;
    new Chart(canvas, {
      type: share ? "line" : "bar",
      data: {
        labels: table.labels || table.months,
        datasets: series.map(function (s, i) {
          return { label: s.name, data: s.values, backgroundColor: COLOURS[i % COLOURS.length], borderColor: COLOURS[i % COLOURS.length] };
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: share ? { y: { min: 0, max: 100 } } : { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas.vs-chart").forEach(chart);
  });
})();
