// Draws the dashboard from /api/v1/dashboard and redraws it in place every 10 seconds.
(function () {
  const REFRESH_MS = 10000;
  const config = { responsive: true, displaylogo: false };
  // numbers and times as the page's language writes them, not the browser's
  const lang = document.documentElement.lang;
  const number = new Intl.NumberFormat(lang);
  const percent = new Intl.NumberFormat(lang, { style: "percent" });
  const time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const closedWord = document.currentScript.dataset.closed;
  let clickable = false;

  function settlementPage(id) {
    return "/host?settlement=" + encodeURIComponent(id);
  }

  // the title goes into the card's heading, which wraps like any text: a title drawn by
  // Plotly is one line and is cut off on a narrow card
  function draw(id, figure) {
    const title = figure.layout.title && figure.layout.title.text;
    document.getElementById(id + "-title").textContent = title || "";
    const margin = Object.assign({}, figure.layout.margin, { t: 10 });
    const layout = Object.assign({}, figure.layout, { title: { text: "" }, margin: margin });
    return Plotly.react(id, figure.data, layout, config);
  }

  // a settlement's point on the map carries its id: a click opens its page (the tables'
  // links are the way there without a mouse)
  function openOnClick(plot) {
    if (clickable) return;
    clickable = true;
    plot.on("plotly_click", function (event) {
      const point = event.points && event.points[0];
      if (point && point.customdata) window.location.assign(settlementPage(point.customdata));
    });
  }

  function cell(row, text, label, numeric) {
    const td = row.insertCell();
    td.textContent = text;
    td.dataset.label = label;
    if (numeric) td.className = "num";
    return td;
  }

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function drawRegions(regions) {
    const table = document.getElementById("regions");
    const labels = Array.from(table.tHead.rows[0].cells, function (th) { return th.textContent; });
    const body = document.createElement("tbody");
    regions.forEach(function (region) {
      const row = body.insertRow();
      cell(row, "", labels[0], false).appendChild(
        link("/settlements?region=" + encodeURIComponent(region.id), region.name));
      [region.capacity, region.load, region.free, region.pending_households, region.pending_persons]
        .forEach(function (value, n) { cell(row, number.format(value), labels[n + 1], true); });
    });
    table.replaceChild(body, table.tBodies[0]);
  }

  function drawPressed(pressed) {
    const list = document.createElement("ol");
    list.id = "pressed-list";
    list.className = "pressed-list";
    list.setAttribute("aria-label", document.getElementById("pressed-list").getAttribute("aria-label"));
    pressed.forEach(function (place) {
      const item = document.createElement("li");
      item.appendChild(link(settlementPage(place.id), place.name + " (" + place.region + ")"));
      let words = " — " + percent.format(place.fill) + " · " + number.format(place.load) + " / " + number.format(place.capacity);
      if (!place.open) words += " · " + closedWord;
      item.appendChild(document.createTextNode(words));
      list.appendChild(item);
    });
    document.getElementById("pressed-list").replaceWith(list);
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
    drawRegions(view.regions);
    drawPressed(view.pressed);
    openOnClick(await draw("load-map", view.load_map));
    draw("per-day", view.per_day);
    draw("pressed", view.pressed_chart);
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
