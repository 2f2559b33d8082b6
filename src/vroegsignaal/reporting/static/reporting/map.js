// The neighbourhood choropleth: imported CBS shapes, no tile server. Data from data-geojson-url.
(function () {
  "use strict";
  var COLOURS = ["#f1eef6", "#d7b5d8", "#df65b0", "#dd1c77", "#980043"];

  // The page's language comes in data attributes of the map element (map.html): the tooltip text
  // with {naam}, {signalen} and {per_1000} (one for a single signal: "1 signaal"), the word for
  // an unknown rate, and the decimal
  // separator (10,9 in Dutch, 10.9 in English, as in the table under the map).
  // Leaflet's own zoom buttons are named in English ("Zoom in"): they get the page's words too.
  var TEXT = {
    tooltip: "{naam}: {signalen} signalen, {per_1000} per 1.000 huishoudens",
    tooltipOne: "{naam}: {signalen} signaal, {per_1000} per 1.000 huishoudens",
    unknown: "onbekend",
    decimal: ",",
    zoomIn: "Inzoomen",
    zoomOut: "Uitzoomen"
  };

  function local(value) { return String(value).replace(".", TEXT.decimal); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  // The classes come with the shapes (klassen: reporting.selectors.rate_classes), each with the
  // highest value in it and its legend text in the page's language: "tot en met 10,9", "meer dan
  // 10,9, tot en met 13", "meer dan 13". A value is in the first class it does not exceed.
  function upperLimits(classes) {
    return classes.filter(function (c) { return c.upper !== null && c.upper !== undefined; })
      .map(function (c) { return c.upper; });
  }

  // Class i of limits.length + 1 classes, spread over the whole colour scale.
  function shade(i, limits) {
    return COLOURS[limits.length ? Math.round(i * (COLOURS.length - 1) / limits.length) : COLOURS.length - 1];
  }

  function colour(value, limits) {
    if (value === null || value === undefined) { return "#cccccc"; }
    for (var i = 0; i < limits.length; i++) {
      if (value <= limits[i]) { return shade(i, limits); }
    }
    return shade(limits.length, limits);
  }

  function draw(element, collection) {
    var map = L.map(element, { attributionControl: false, zoomControl: false, zoomSnap: 0.25 });
    L.control.zoom({ zoomInTitle: TEXT.zoomIn, zoomOutTitle: TEXT.zoomOut }).addTo(map);
    var classes = collection.klassen || [];
    var limits = upperLimits(classes);
    var layer = L.geoJSON(collection, {
      style: function (feature) {
        return { color: "#333333", weight: 1, fillOpacity: 0.8, fillColor: colour(feature.properties.per_1000, limits) };
      },
      onEachFeature: function (feature, shape) {
        var p = feature.properties;
        var rate = p.per_1000 === null ? TEXT.unknown : local(p.per_1000);
        // As text, never as HTML: a neighbourhood's name comes from an imported file.
        var tip = document.createElement("span");
        var text = p.signalen === 1 ? TEXT.tooltipOne : TEXT.tooltip;
        tip.textContent = fill(text, { naam: p.naam, signalen: p.signalen, per_1000: rate });
        shape.bindTooltip(tip);
        shape.on("click", function () { window.location.assign(p.url); });
      }
    }).addTo(map);
    if (collection.features.length) {
      map.fitBounds(layer.getBounds());
    } else {
      map.setView([52.1, 5.1], 7);
    }
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "vs-map-legend");
      classes.forEach(function (c, i) {
        var row = L.DomUtil.create("div", "vs-map-legend__row", div);
        var swatch = L.DomUtil.create("span", "vs-map-legend__swatch", row);
        swatch.style.backgroundColor = shade(i, limits);
        row.appendChild(document.createTextNode(c.label));
      });
      return div;
    };
    if (classes.length) { legend.addTo(map); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("vs-map");
    if (!element || typeof L === "undefined") { return; }
    TEXT.tooltip = element.dataset.tooltip || TEXT.tooltip;
    TEXT.tooltipOne = element.dataset.tooltipOne || TEXT.tooltipOne;
    TEXT.unknown = element.dataset.unknown || TEXT.unknown;
    TEXT.decimal = element.dataset.decimal || TEXT.decimal;
    TEXT.zoomIn = element.dataset.zoomIn || TEXT.zoomIn;
    TEXT.zoomOut = element.dataset.zoomOut || TEXT.zoomOut;
    fetch(element.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { return r.json(); })
      .then(function (collection) { draw(element, collection); });
  });
})();
