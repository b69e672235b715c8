// Draws the dashboard from /api/v1/dashboard and redraws it in place every 10 seconds.
(function () {
  const REFRESH_MS = 10000;
  const config = { responsive: true, displaylogo: false };
  // numbers and times as the page's language writes them, not the browser's
  const lang = document.documentElement.lang;
  const number = new Intl.NumberFormat(lang);
  const time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

  // the title goes into the card's heading, which wraps like any text: a title drawn by
  // Plotly is one line and is cut off on a narrow card
  function draw(id, figure) {
    const title = figure.layout.title && figure.layout.title.text;
    document.getElementById(id + "-title").textContent = title || "";
    const margin = Object.assign({}, figure.layout.margin, { t: 10 });
    const layout = Object.assign({}, figure.layout, { title: { text: "" }, margin: margin });
    Plotly.react(id, figure.data, layout, config);
  }

  async function refresh() {
    const response = await fetch("/api/v1/dashboard?language=" + lang, { credentials: "same-origin" });
    if (!response.ok) return;
    const view = await response.json();
    document.getElementById("registered").textContent = number.format(view.registered_persons);
    document.getElementById("placed").textContent = number.format(view.placed_persons);
    document.getElementById("pending").textContent = number.format(view.pending_households);
    document.getElementById("over80").textContent = number.format(view.settlements_over_80_percent);
    document.getElementById("updated").textContent = time.format(new Date());
    draw("load-map", view.load_map);
    draw("per-day", view.per_day);
    draw("pressed", view.pressed_chart);
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
