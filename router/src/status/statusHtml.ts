import { createHash } from "node:crypto";
import type { StatusSnapshot } from "./statusSnapshot.js";

/**
 * The status page: one self-contained HTML document (inline CSS, script and SVG; nothing fetched
 * but its own event stream), so it works offline and behind any firewall. The script draws the
 * topology (router -> subgraphs -> replicas) as SVG from a snapshot embedded in the page, then
 * from each snapshot `/status/events` streams. Every dynamic value (names, URLs, errors) reaches
 * the DOM through textContent and setAttribute only, never as markup.
 *
 * Stable hooks for tests and scripts: each node is a `<g>` with `data-kind` (router, subgraph,
 * replica), `data-node` (router: "router"; subgraph: its name), `data-subgraph` and `data-replica`
 * (replicas: the subgraph and the URL), `data-health` (up, degraded, down, unknown),
 * `data-circuit` (replicas), and `data-rate`, `data-error-rate`, `data-p95` (numbers). The header
 * has `data-overall` and `data-connection` (connecting, live, reconnecting).
 */

const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f4f6f9; --panel: #ffffff; --text: #1c2330; --muted: #5d6778; --line: #d4dae3; --edge: #aeb8c6;
  --up: #1e9e58; --up-bg: #eaf7ef; --degraded: #d48a00; --degraded-bg: #fdf4e1;
  --down: #d63c3c; --down-bg: #fcebeb; --unknown: #8893a5; --unknown-bg: #f0f2f5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e131a; --panel: #161d27; --text: #e5eaf1; --muted: #98a3b3; --line: #2a3442; --edge: #475366;
    --up-bg: #132a1e; --degraded-bg: #2e2410; --down-bg: #331719; --unknown-bg: #1e2530;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 18px; padding: 16px 24px;
  background: var(--panel); border-bottom: 1px solid var(--line); }
h1 { margin: 0; font-size: 18px; font-weight: 650; letter-spacing: .01em; }
.pill { display: inline-flex; align-items: center; gap: 7px; padding: 3px 11px; border-radius: 999px;
  border: 1px solid var(--line); font-size: 13px; white-space: nowrap; }
.pill::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--unknown); }
#overall[data-overall="up"]::before, #connection[data-connection="live"]::before { background: var(--up); }
#overall[data-overall="degraded"]::before, #connection[data-connection="reconnecting"]::before { background: var(--degraded); }
#overall[data-overall="down"]::before { background: var(--down); }
.meta { color: var(--muted); font-size: 13px; margin-left: auto; }
main { padding: 18px 24px 28px; max-width: 1120px; margin: 0 auto; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 10px; }
#topology { display: block; width: 100%; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; margin: 12px 4px 18px; color: var(--muted); font-size: 13px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.legend i { width: 11px; height: 11px; border-radius: 3px; display: inline-block; }
.legend .up { background: var(--up); } .legend .degraded { background: var(--degraded); }
.legend .down { background: var(--down); } .legend .unknown { background: var(--unknown); }
table { width: 100%; border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th, td.num, td.health { white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
td.num { text-align: right; } th.num { text-align: right; }
td.replica { padding-left: 28px; overflow-wrap: break-word; }
td.error { color: var(--muted); max-width: 240px; overflow-wrap: break-word; }
.health { font-weight: 600; }
.health.up { color: var(--up); } .health.degraded { color: var(--degraded); }
.health.down { color: var(--down); } .health.unknown { color: var(--unknown); }
svg text { fill: var(--text); }
.node .box { fill: var(--panel); stroke: var(--line); stroke-width: 1.5; }
.node .stripe, .node .dot { fill: var(--unknown); }
.node .kind { fill: var(--muted); font-size: 10px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; }
.node .title { font-size: 15px; font-weight: 650; }
.node .state { font-size: 12px; font-weight: 600; fill: var(--unknown); }
.node .figure { font-size: 16px; font-weight: 600; font-variant-numeric: tabular-nums; }
.node .figure-name { font-size: 10px; fill: var(--muted); letter-spacing: .05em; text-transform: uppercase; }
.node .spark-area { fill: var(--unknown); opacity: .16; }
.node .spark-line { fill: none; stroke: var(--unknown); stroke-width: 1.4; }
.node[data-health="up"] .box { fill: var(--up-bg); stroke: var(--up); }
.node[data-health="degraded"] .box { fill: var(--degraded-bg); stroke: var(--degraded); }
.node[data-health="down"] .box { fill: var(--down-bg); stroke: var(--down); }
.node[data-health="up"] :is(.stripe, .dot, .spark-area) { fill: var(--up); }
.node[data-health="degraded"] :is(.stripe, .dot, .spark-area) { fill: var(--degraded); }
.node[data-health="down"] :is(.stripe, .dot, .spark-area) { fill: var(--down); }
.node[data-health="up"] .state { fill: var(--up); }
.node[data-health="degraded"] .state { fill: var(--degraded); }
.node[data-health="down"] .state { fill: var(--down); }
.node[data-health="up"] .spark-line { stroke: var(--up); }
.node[data-health="degraded"] .spark-line { stroke: var(--degraded); }
.node[data-health="down"] .spark-line { stroke: var(--down); }
.node[data-health="down"] .dot { animation: pulse 1.2s ease-in-out infinite; }
.edge { fill: none; stroke: var(--edge); stroke-width: 2; }
.edge[data-health="down"] { stroke: var(--down); stroke-dasharray: 3 5; opacity: .7; }
.edge[data-health="degraded"] { stroke: var(--degraded); }
.edge.flowing { stroke-dasharray: 7 6; animation: flow .9s linear infinite; }
.edge.flowing[data-health="up"] { stroke: var(--up); opacity: .55; }
@keyframes flow { to { stroke-dashoffset: -13; } }
@keyframes pulse { 50% { opacity: .25; } }
@media (prefers-reduced-motion: reduce) { .edge.flowing, .node .dot { animation: none; } }
footer { color: var(--muted); font-size: 12px; margin-top: 14px; }
`;

const SCRIPT = `
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var COLUMN = { router: { x: 16, w: 232 }, subgraph: { x: 336, w: 262 }, replica: { x: 688, w: 290 } };
  var WIDTH = 994, HEIGHT = 118, PITCH = 136, GROUP_GAP = 14, PAD = 16;
  var svg = document.getElementById("topology");
  var rows = document.getElementById("rows");
  var overall = document.getElementById("overall");
  var connection = document.getElementById("connection");
  var updated = document.getElementById("updated");
  var parts = {};
  var shape = null;
  var lastMessage = 0;

  function make(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, String(attrs[key]));
    if (parent) parent.appendChild(node);
    return node;
  }
  function label(parent, cls, x, y, value) {
    var node = make("text", { class: cls, x: x, y: y }, parent);
    node.textContent = value;
    return node;
  }
  function cell(row, value, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = value;
    row.appendChild(td);
    return td;
  }
  function number(value) {
    return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  }
  function rate(value) {
    return number(value) + " req/s";
  }
  function percent(value) {
    return (value === 0 ? "0" : value >= 0.1 ? (value * 100).toFixed(0) : (value * 100).toFixed(1)) + "%";
  }
  function millis(value) {
    if (value === null || value === undefined) return "\\u2013";
    return value < 10 ? value.toFixed(1) + " ms" : value < 1000 ? Math.round(value) + " ms" : (value / 1000).toFixed(2) + " s";
  }
  function shortUrl(url) {
    try {
      var parsed = new URL(url);
      return parsed.host + (parsed.pathname === "/graphql" ? "" : parsed.pathname);
    } catch (error) {
      return url;
    }
  }
  function fit(value, max) {
    return value.length > max ? value.slice(0, max - 1) + "\\u2026" : value;
  }
  function circuitName(circuit) {
    return circuit === "halfOpen" ? "half-open" : circuit;
  }
  function figures(traffic) {
    return [number(traffic.requestRate), percent(traffic.errorRate), millis(traffic.p95Ms)];
  }
  function spark(series, width, height) {
    var max = 1;
    for (var i = 0; i < series.length; i++) if (series[i] > max) max = series[i];
    var step = series.length > 1 ? width / (series.length - 1) : width;
    var line = "";
    for (var j = 0; j < series.length; j++) {
      line += (j === 0 ? "M" : "L") + (j * step).toFixed(1) + "," + (height - (series[j] / max) * height).toFixed(1);
    }
    return { line: line, area: line + "L" + width.toFixed(1) + "," + height + "L0," + height + "Z" };
  }

  /** Each node to draw, with its place: subgraphs centred on their replicas, the router on them all. */
  function layout(snapshot) {
    var items = [];
    var y = PAD;
    var subgraphs = [];
    snapshot.subgraphs.forEach(function (subgraph, index) {
      var count = Math.max(1, subgraph.replicas.length);
      if (index > 0) y += GROUP_GAP;
      var top = y;
      subgraph.replicas.forEach(function (replica, position) {
        items.push({
          key: "replica " + subgraph.name + " " + replica.url, kind: "replica", parent: "subgraph " + subgraph.name,
          subgraph: subgraph.name, data: replica, x: COLUMN.replica.x, w: COLUMN.replica.w, y: top + position * PITCH,
        });
      });
      y = top + count * PITCH;
      subgraphs.push({
        key: "subgraph " + subgraph.name, kind: "subgraph", parent: "router", subgraph: subgraph.name, data: subgraph,
        x: COLUMN.subgraph.x, w: COLUMN.subgraph.w, y: top + ((count - 1) * PITCH) / 2,
      });
    });
    var bottom = Math.max(y, PAD + PITCH);
    var router = {
      key: "router", kind: "router", data: snapshot.router, x: COLUMN.router.x, w: COLUMN.router.w,
      y: PAD + (bottom - PAD - PITCH) / 2,
    };
    return { items: [router].concat(subgraphs, items), height: bottom - (PITCH - HEIGHT) + PAD };
  }

  function build(plan) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    parts = {};
    svg.setAttribute("viewBox", "0 0 " + WIDTH + " " + plan.height);
    var edges = make("g", { class: "edges" }, svg);
    var nodes = make("g", { class: "nodes" }, svg);
    var byKey = {};
    plan.items.forEach(function (item) { byKey[item.key] = item; });
    plan.items.forEach(function (item) {
      var part = {};
      if (item.parent && byKey[item.parent]) {
        var from = byKey[item.parent];
        var x1 = from.x + from.w, y1 = from.y + HEIGHT / 2, x2 = item.x, y2 = item.y + HEIGHT / 2, mid = (x1 + x2) / 2;
        part.edge = make("path", {
          class: "edge", d: "M" + x1 + "," + y1 + " C" + mid + "," + y1 + " " + mid + "," + y2 + " " + x2 + "," + y2,
        }, edges);
      }
      var group = make("g", { class: "node", transform: "translate(" + item.x + "," + item.y + ")", "data-kind": item.kind }, nodes);
      if (item.kind === "replica") {
        group.setAttribute("data-subgraph", item.subgraph);
        group.setAttribute("data-replica", item.data.url);
      } else {
        group.setAttribute("data-node", item.kind === "router" ? "router" : item.subgraph);
      }
      var tooltip = make("title", {}, group);
      make("rect", { class: "box", width: item.w, height: HEIGHT, rx: 10 }, group);
      make("rect", { class: "stripe", width: 5, height: HEIGHT - 20, x: 0, y: 10, rx: 2.5 }, group);
      make("circle", { class: "dot", cx: item.w - 18, cy: 20, r: 6 }, group);
      label(group, "kind", item.w - 32, 24, item.kind).setAttribute("text-anchor", "end");
      var name = item.kind === "router" ? "router" : item.kind === "subgraph" ? item.subgraph : shortUrl(item.data.url);
      label(group, "title", 18, 26, fit(name, item.kind === "replica" ? 26 : 22));
      part.group = group;
      part.tooltip = tooltip;
      part.state = label(group, "state", 18, 45, "");
      part.figures = ["req/s", "errors", "p95"].map(function (name, index) {
        var x = 18 + (index * (item.w - 36)) / 3;
        label(group, "figure-name", x, 86, name);
        return label(group, "figure", x, 71, "");
      });
      var sparkBox = make("g", { transform: "translate(18,94)" }, group);
      part.area = make("path", { class: "spark-area" }, sparkBox);
      part.line = make("path", { class: "spark-line" }, sparkBox);
      part.sparkWidth = item.w - 36;
      parts[item.key] = part;
    });
  }

  function stateOf(item) {
    var data = item.data;
    if (item.kind === "router") return data.supergraph ? "serving \\u00b7 supergraph load " + data.supergraph.loads : "starting";
    if (item.kind === "subgraph") {
      var usable = data.replicas.filter(function (replica) { return replica.health === "up"; }).length;
      return data.health + " \\u00b7 " + usable + "/" + data.replicas.length + " replicas up";
    }
    var reach = data.reachable === false ? " \\u00b7 unreachable" : data.reachable === null ? " \\u00b7 not checked yet" : "";
    return data.health + " \\u00b7 circuit " + circuitName(data.circuit) + reach;
  }

  function update(plan) {
    plan.items.forEach(function (item) {
      var part = parts[item.key];
      if (!part) return;
      var data = item.data;
      var traffic = data.traffic;
      part.group.setAttribute("data-health", data.health);
      part.group.setAttribute("data-rate", traffic.requestRate.toFixed(3));
      part.group.setAttribute("data-error-rate", traffic.errorRate.toFixed(4));
      part.group.setAttribute("data-p95", traffic.p95Ms === null ? "" : traffic.p95Ms.toFixed(2));
      if (item.kind === "replica") part.group.setAttribute("data-circuit", data.circuit);
      part.state.textContent = stateOf(item);
      figures(traffic).forEach(function (value, index) { part.figures[index].textContent = value; });
      var path = spark(traffic.series, part.sparkWidth, 14);
      part.line.setAttribute("d", path.line);
      part.area.setAttribute("d", path.area);
      var title = item.kind === "replica" ? item.subgraph + " replica " + data.url : item.kind === "router" ? "router" : "subgraph " + item.subgraph;
      part.tooltip.textContent = title + ": " + stateOf(item) + (data.error ? " \\u2014 " + data.error : "");
      if (part.edge) {
        part.edge.setAttribute("data-health", data.health);
        part.edge.setAttribute("class", traffic.requestRate > 0 && data.health !== "down" ? "edge flowing" : "edge");
      }
    });
  }

  function table(snapshot) {
    var body = document.createDocumentFragment();
    function row(kind, name, cls, node, reachable, circuit, checkedAt, error) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-row", kind);
      cell(tr, name, cls);
      cell(tr, node.health, "health " + node.health);
      cell(tr, reachable);
      cell(tr, circuit);
      cell(tr, rate(node.traffic.requestRate), "num");
      cell(tr, percent(node.traffic.errorRate), "num");
      cell(tr, millis(node.traffic.p95Ms), "num");
      cell(tr, checkedAt ? new Date(checkedAt).toLocaleTimeString() : "\\u2013");
      cell(tr, error || "", "error");
      body.appendChild(tr);
    }
    row("router", "router", "", snapshot.router, "\\u2013", "\\u2013", null, "");
    snapshot.subgraphs.forEach(function (subgraph) {
      row("subgraph", subgraph.name, "", subgraph, "\\u2013", "\\u2013", null, "");
      subgraph.replicas.forEach(function (replica) {
        var reach = replica.reachable === null ? "not checked" : replica.reachable ? "yes" : "no";
        row("replica", replica.url, "replica", replica, reach, circuitName(replica.circuit), replica.checkedAt, replica.error);
      });
    });
    rows.replaceChildren(body);
  }

  function render(snapshot) {
    var plan = layout(snapshot);
    var signature = JSON.stringify(plan.items.map(function (item) { return item.key; }));
    if (signature !== shape) {
      build(plan);
      shape = signature;
    }
    update(plan);
    table(snapshot);
    var down = snapshot.subgraphs.filter(function (subgraph) { return subgraph.health === "down"; });
    var degraded = snapshot.subgraphs.filter(function (subgraph) { return subgraph.health !== "up" && subgraph.health !== "down"; });
    var names = function (list) { return list.map(function (subgraph) { return subgraph.name; }).join(", "); };
    overall.setAttribute("data-overall", down.length > 0 ? "down" : degraded.length > 0 ? "degraded" : "up");
    overall.textContent = down.length > 0
      ? "Down: " + names(down) + (degraded.length > 0 ? " \\u00b7 degraded: " + names(degraded) : "")
      : degraded.length > 0 ? "Degraded: " + names(degraded)
      : "All " + snapshot.subgraphs.length + " subgraphs up";
    updated.textContent = "Updated " + new Date(snapshot.at).toLocaleTimeString() + " \\u00b7 rates over the last " +
      snapshot.summarySeconds + " s, sparklines over " + snapshot.windowSeconds + " s";
  }

  function setConnection(state, text) {
    connection.setAttribute("data-connection", state);
    connection.textContent = text;
  }

  try {
    render(JSON.parse(document.getElementById("initial-snapshot").textContent));
  } catch (error) {
    setConnection("connecting", "waiting for data");
  }
  if (typeof EventSource === "function") {
    var source = new EventSource(location.pathname.replace(/\\/?$/, "/events"));
    source.onopen = function () { setConnection("live", "live"); };
    source.onmessage = function (event) {
      lastMessage = Date.now();
      setConnection("live", "live");
      try { render(JSON.parse(event.data)); } catch (error) { /* a bad event is skipped */ }
    };
    source.onerror = function () { setConnection("reconnecting", "reconnecting\\u2026"); };
    setInterval(function () {
      if (lastMessage > 0 && Date.now() - lastMessage > 5000 && connection.getAttribute("data-connection") === "live") {
        setConnection("reconnecting", "no update for " + Math.round((Date.now() - lastMessage) / 1000) + " s");
      }
    }, 1000);
  } else {
    setConnection("reconnecting", "live updates need EventSource");
  }
})();
`;

const BODY = `<header>
  <h1>Supergraph status</h1>
  <span id="overall" class="pill" data-overall="unknown">loading</span>
  <span id="connection" class="pill" data-connection="connecting">connecting</span>
  <span id="updated" class="meta"></span>
</header>
<main>
  <div class="panel">
    <svg id="topology" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 994 160"
      aria-label="Topology: the router, its subgraphs and their replicas, coloured by health"></svg>
  </div>
  <div class="legend">
    <span><i class="up"></i>up</span><span><i class="degraded"></i>degraded (some replicas, or circuit half-open)</span>
    <span><i class="down"></i>down (unreachable, or circuit open)</span><span><i class="unknown"></i>not checked yet</span>
    <span>Moving edges: traffic flowing. Subgraph figures are the router's fetches (retries included); replica figures, single tries.</span>
  </div>
  <div class="panel">
    <table>
      <thead><tr><th>Node</th><th>Health</th><th>Reachable</th><th>Circuit</th><th class="num">Rate</th>
        <th class="num">Errors</th><th class="num">p95</th><th>Last check</th><th>Last error</th></tr></thead>
      <tbody id="rows"></tbody>
    </table>
  </div>
  <footer>Data: <code>/status.json</code> (one snapshot), <code>/status/events</code> (server-sent events, one snapshot a second).</footer>
</main>`;

const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/**
 * What the page may load: its own inline style and script (by hash), its event stream (same
 * origin), nothing else. Also refuses framing.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * JSON to embed in a `<script type="application/json">`: `<`, `>` and `&` escaped, so no value can
 * close the element or open a comment; the line and paragraph separators too, for old parsers.
 */
export function embeddableJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The page, drawn at first from `snapshot` and then from `/status/events`. Serve it with STATUS_PAGE_CSP. */
export function statusHtml(snapshot: StatusSnapshot): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Supergraph status</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
${BODY}
<script type="application/json" id="initial-snapshot">${embeddableJson(snapshot)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
