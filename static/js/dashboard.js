// Dashboard: draw the Plotly figures built by analytics/charts.py (passed with json_script) and
// open the drill-down page when a bar or slice is clicked. No inline script: the CSP forbids it.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-figures");
  if (!source || typeof Plotly === "undefined") {
    return;
  }
  const figures = JSON.parse(source.textContent);
  const config = {
    responsive: true,
    displaylogo: false,
    // Keep the download-as-PNG button; zooming and selecting make no sense on these charts.
    modeBarButtonsToRemove: [
      "zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "resetScale2d",
      "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines",
    ],
  };

  // Narrow screens (a 390 px phone): long category labels ("SDG 12 – Responsible consumption and
  // production") would take the whole width or be cut. Keep their short part ("SDG 12"), wrap what is
  // left, wrap the titles, and put legends under the chart; the full label stays in the hover text.
  const NARROW = 576;
  const WRAP = 18;

  function wrap(text, width) {
    const words = String(text).split(" ");
    const lines = [];
    let line = "";
    words.forEach((word) => {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) lines.push(line);
    return lines.join("<br>");
  }

  function shortLabel(label) {
    const text = String(label);
    const dash = text.indexOf(" – ");
    if (dash > 0) return wrap(text.slice(0, dash), WRAP);
    const acronym = text.match(/\(([^()]{2,12})\)$/); // "Regional consultative process (RCP)"
    return wrap(acronym ? acronym[1] : text, WRAP);
  }

  function axisTitleWrapped(axis, width) {
    if (!axis || !axis.title || !axis.title.text || String(axis.title.text).includes("<br>")) return axis;
    return Object.assign({}, axis, {
      automargin: true,
      title: Object.assign({}, axis.title, { text: wrap(axis.title.text, Math.max(20, Math.floor(width / 12))) }),
    });
  }

  function narrowFigure(figure, width) {
    const data = figure.data.map((trace) => {
      if (trace.orientation !== "h" || !Array.isArray(trace.y)) return trace;
      // "auto": a long bar carries its figure inside, a short one beside it, so no figure runs off the
      // chart; a bar of zero has no inside, and "auto" would drop its "0.0% (0/3)"
      const position = Array.isArray(trace.x) ? trace.x.map((value) => (value > 0 ? "auto" : "outside")) : "auto";
      return Object.assign({}, trace, { y: trace.y.map(shortLabel), textposition: position });
    });
    const layout = Object.assign({}, figure.layout);
    layout.margin = Object.assign({}, layout.margin, { l: 10, r: 10 });
    const title = layout.title && layout.title.text;
    if (title && !String(title).includes("<br>")) {
      layout.title = Object.assign({}, layout.title, { text: wrap(title, Math.max(24, Math.floor(width / 9))) });
      layout.margin.t = Math.max(layout.margin.t || 0, 80);
    }
    if (layout.yaxis) layout.yaxis = axisTitleWrapped(Object.assign({}, layout.yaxis, { automargin: true }), width);
    if (layout.xaxis) layout.xaxis = axisTitleWrapped(Object.assign({}, layout.xaxis, { automargin: true }), width);
    if (layout.showlegend !== false) {
      layout.legend = Object.assign({}, layout.legend, { orientation: "h", x: 0, y: -0.1, xanchor: "left" });
    }
    return { data: data, layout: layout };
  }

  document.querySelectorAll(".dashboard-chart[data-figure]").forEach((element) => {
    let figure = figures[element.dataset.figure];
    if (!figure) {
      return;
    }
    if (element.clientWidth && element.clientWidth < NARROW) {
      figure = narrowFigure(figure, element.clientWidth);
    }
    const layout = Object.assign({}, figure.layout, { dragmode: false });
    const options = Object.assign({}, config, {
      toImageButtonOptions: { format: "png", filename: element.dataset.figure, scale: 2 },
    });
    Plotly.newPlot(element, figure.data, layout, options).then(() => {
      const template = element.dataset.drilldownUrl;
      if (!template) {
        return;
      }
      element.on("plotly_click", (event) => {
        const point = event && event.points && event.points[0];
        const code = point && point.customdata && point.customdata[0];
        if (code !== undefined && code !== null) {
          window.location.assign(template.replace("__choice__", encodeURIComponent(String(code))));
        }
      });
    });
  });
})();
