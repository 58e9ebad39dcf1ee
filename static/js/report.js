// Survey summary report: draw the Plotly figures built by analytics/charts.py (passed with json_script),
// and follow the generation of the PDF / Word downloads. No inline script: the CSP forbids it.
//
// The exporter (analytics/report_render.py) loads this file into headless Chromium with the document
// body class "report-document": charts are then drawn static (no mode bar, no hover) and, once all are
// drawn, <html data-charts-ready="true"> tells it to print or screenshot them.
(function () {
  "use strict";

  function drawCharts() {
    const root = document.documentElement;
    const source = document.getElementById("report-figures");
    if (!source || typeof Plotly === "undefined") {
      root.dataset.chartsReady = source ? "error" : "true";
      return;
    }
    const figures = JSON.parse(source.textContent);
    const exporting = document.body.classList.contains("report-document");
    const draws = [];
    document.querySelectorAll(".report-chart[data-figure]").forEach((element) => {
      const figure = figures[element.dataset.figure];
      if (!figure) {
        return;
      }
      // The caption under the chart ("Figure 1. <title>") names it: no second title inside the chart.
      const layout = Object.assign({}, figure.layout, {
        dragmode: false,
        title: { text: "" },
        margin: Object.assign({}, figure.layout.margin, { t: 20 }),
      });
      const config = exporting
        ? { staticPlot: true, displayModeBar: false, responsive: false }
        : {
            responsive: true,
            displaylogo: false,
            modeBarButtonsToRemove: [
              "zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
              "resetScale2d", "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines",
            ],
            toImageButtonOptions: { format: "png", filename: element.dataset.figure, scale: 2 },
          };
      draws.push(Plotly.newPlot(element, figure.data, layout, config));
    });
    Promise.all(draws).then(
      () => { root.dataset.chartsReady = "true"; },
      () => { root.dataset.chartsReady = "error"; }
    );
  }

  // Downloads: while a file is being generated, poll the JSON status and update the progress bars;
  // when it is ready, show the download link. Without JavaScript, refreshing the page shows the same.
  function followDownloads() {
    const panel = document.getElementById("report-downloads");
    if (!panel || !panel.dataset.statusUrl || !window.fetch) {
      return;
    }
    const busy = (state) => state && (state.status === "pending" || state.status === "running");
    function render(format, state) {
      const row = panel.querySelector('[data-format="' + format + '"]');
      if (!row || !state) {
        return;
      }
      row.dataset.status = state.status || "none";
      const bar = row.querySelector(".progress-bar");
      const progress = row.querySelector(".progress");
      const label = row.querySelector("[data-status-text]");
      const link = row.querySelector("[data-download-link]");
      const form = row.querySelector("form");
      if (progress && bar) {
        progress.hidden = !busy(state);
        bar.style.width = (state.progress || 0) + "%";
        progress.setAttribute("aria-valuenow", String(state.progress || 0));
      }
      if (label) {
        label.textContent = state.message || "";
      }
      if (link) {
        link.hidden = state.status !== "ready";
        if (state.download_url) {
          link.href = state.download_url;
        }
      }
      if (form) {
        form.hidden = busy(state) || (state.status === "ready" && !state.can_regenerate);
      }
    }
    function poll() {
      fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((reply) => (reply.ok ? reply.json() : Promise.reject(reply.status)))
        .then((states) => {
          Object.keys(states.formats || {}).forEach((format) => render(format, states.formats[format]));
          const again = Object.values(states.formats || {}).some(busy);
          if (again) {
            window.setTimeout(poll, 1500);
          }
        })
        .catch(() => window.setTimeout(poll, 5000));
    }
    if (panel.querySelector('[data-status="pending"], [data-status="running"]')) {
      window.setTimeout(poll, 1000);
    }
  }

  drawCharts();
  followDownloads();
})();
