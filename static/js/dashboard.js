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

  document.querySelectorAll(".dashboard-chart[data-figure]").forEach((element) => {
    const figure = figures[element.dataset.figure];
    if (!figure) {
      return;
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
