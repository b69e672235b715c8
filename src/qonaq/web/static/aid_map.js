// Draws the coordinator's map of open requests from the figure the page carries.
(function () {
  const plot = document.getElementById("aid-map");
  if (!plot || typeof Plotly === "undefined") return;
  const figure = JSON.parse(plot.dataset.figure);
  Plotly.newPlot(plot, figure.data, figure.layout, { responsive: true, displaylogo: false })
    .then(function () { plot.dataset.drawn = "1"; });
})();
