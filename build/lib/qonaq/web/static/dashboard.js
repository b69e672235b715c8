// Draws the dashboard from /api/v1/dashboard and redraws it in place every 10 seconds.
(function () {
  const REFRESH_MS = 10000;
  const config = { responsive: true, displaylogo: false };

  function draw(id, figure) {
    Plotly.react(id, figure.data, figure.layout, config);
  }

  async function refresh() {
    const response = await fetch("/api/v1/dashboard?language=" + document.documentElement.lang, { credentials: "same-origin" });
    if (!response.ok) return;
    const view = await response.json();
    document.getElementById("registered").textContent = view.registered_persons.toLocaleString();
    document.getElementById("placed").textContent = view.placed_persons.toLocaleString();
    document.getElementById("pending").textContent = view.pending_households.toLocaleString();
    document.getElementById("over80").textContent = view.settlements_over_80_percent;
    document.getElementById("updated").textContent = new Date().toLocaleTimeString();
    draw("load-map", view.load_map);
    draw("per-day", view.per_day);
    draw("pressed", view.pressed_chart);
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
