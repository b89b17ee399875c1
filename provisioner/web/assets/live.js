// The live provisioning page: one event stream (GET /events) keeps every node's row here;
// the lists draw only the rows in view, so thousands of nodes cost no more than a screen.
// Everything shown comes from nodes on the bus: it is set as text, never as markup.
"use strict";

const STATES = ["waiting", "running", "claimed_elsewhere", "held", "failed", "provisioned"];
const ROW_HEIGHT = 24;
const OVERSCAN = 6;

const nodes = new Map(); // identity -> row from the provisioner
let skewMs = 0; // the provisioner's clock minus ours
let masters = [];
let drawQueued = false;

function $(id) { return document.getElementById(id); }

function text(tag, value, className) {
  const el = document.createElement(tag);
  el.textContent = value === undefined || value === null ? "" : String(value);
  if (className) el.className = className;
  return el;
}

function seconds(s) {
  if (!(s >= 0)) return "";
  if (s < 1) return Math.round(s * 1000) + " ms";
  if (s < 120) return s.toFixed(s < 10 ? 1 : 0) + " s";
  if (s < 7200) return Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
  return Math.floor(s / 3600) + " h " + Math.round((s % 3600) / 60) + " min";
}

function sinceNow(ms) { return ms > 0 ? seconds((Date.now() + skewMs - ms) / 1000) : ""; }

// A list showing `items` (set later) as rows of `cells(item)`, drawing only those in view.
class VirtualList {
  constructor(el, columnsClass, cells, onPick) {
    this.el = el;
    this.columnsClass = columnsClass;
    this.cells = cells;
    this.items = [];
    this.spacer = document.createElement("div");
    this.rows = document.createElement("div");
    this.rows.className = "rows";
    this.empty = text("div", el.dataset.empty || "", "empty");
    el.append(this.spacer, this.rows, this.empty);
    el.addEventListener("scroll", () => this.draw(), { passive: true });
    this.rows.addEventListener("click", (e) => {
      const row = e.target.closest(".row");
      if (row && row.dataset.id) onPick(row.dataset.id);
    });
  }

  setItems(items) {
    this.items = items;
    this.spacer.style.height = items.length * ROW_HEIGHT + "px";
    this.empty.hidden = items.length !== 0;
    this.draw();
  }

  draw() {
    const first = Math.max(0, Math.floor(this.el.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.items.length,
      Math.ceil((this.el.scrollTop + this.el.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    this.rows.style.transform = "translateY(" + first * ROW_HEIGHT + "px)";
    const wanted = Math.max(0, last - first);
    while (this.rows.children.length > wanted) this.rows.lastChild.remove();
    while (this.rows.children.length < wanted) {
      const row = document.createElement("div");
      row.className = "row " + this.columnsClass;
      this.rows.append(row);
    }
    for (let i = 0; i < wanted; i++) {
      const item = this.items[first + i];
      const row = this.rows.children[i];
      row.dataset.id = item.id;
      row.replaceChildren(...this.cells(item));
    }
  }
}

// A cell that may be cut short: the whole text shows on hover.
function longText(value, className) {
  const el = text("span", value, className);
  el.title = el.textContent;
  return el;
}

function stateCell(state) {
  const el = text("span", state, "state");
  el.dataset.state = state;
  return el;
}

const lists = {};

function showHistory(id) {
  $("history").hidden = false;
  $("history-title").textContent = id;
  $("history-summary").textContent = "loading…";
  $("history-rows").replaceChildren();
  fetch("api/history?node=" + encodeURIComponent(id), { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : r.text().then((t) => Promise.reject(new Error(t)))))
    .then((h) => {
      if ($("history-title").textContent !== id) return;
      const n = h.node || {};
      const parts = [n.state, n.step && "step " + n.step, n.master && "master " + n.master,
        n.last_error && "error: " + n.last_error];
      $("history-summary").textContent = parts.filter(Boolean).join(" · ");
      const rows = (h.attempts || []).map((a) => {
        const tr = document.createElement("tr");
        tr.dataset.step = a.step;
        const took = a.finished_ms > 0 ? seconds((a.finished_ms - a.started_ms) / 1000) : "interrupted";
        tr.append(text("td", a.step), text("td", a.attempt, "num"), text("td", a.target),
          text("td", a.started_ms ? new Date(a.started_ms).toLocaleTimeString() : ""),
          text("td", took, "num"), text("td", a.outcome), text("td", a.error, "error"));
        return tr;
      });
      $("history-rows").replaceChildren(...rows);
    })
    .catch((e) => { $("history-summary").textContent = e.message; });
}

function byId(a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; }

function draw() {
  drawQueued = false;
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  const flight = [];
  const problems = [];
  const all = [];
  const filter = $("filter").value.trim().toLowerCase();
  for (const n of nodes.values()) {
    counts[n.state] = (counts[n.state] || 0) + 1;
    if (n.state === "running") flight.push(n);
    if (n.state === "failed" || n.state === "held") problems.push(n);
    if (!filter || [n.id, n.state, n.step, n.master, n.name].some(
      (v) => v && String(v).toLowerCase().includes(filter))) all.push(n);
  }
  for (const s of STATES) $("count-" + s).textContent = counts[s];
  $("count-total").textContent = nodes.size;
  flight.sort((a, b) => a.since_ms - b.since_ms || byId(a, b)); // longest in step first
  problems.sort((a, b) => b.since_ms - a.since_ms || byId(a, b)); // newest first
  all.sort(byId);
  $("in-flight-n").textContent = flight.length ? "(" + flight.length + ")" : "";
  $("problems-n").textContent = problems.length ? "(" + problems.length + ")" : "";
  $("all-n").textContent = "(" + all.length + (filter ? " of " + nodes.size : "") + ")";
  lists.flight.setItems(flight);
  lists.problems.setItems(problems);
  lists.all.setItems(all);
}

function queueDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(draw);
}

function drawMasters() {
  const rows = masters.map((m) => {
    const tr = document.createElement("tr");
    const facts = Object.entries(m.facts || {}).map(([k, v]) => k + "=" + v).join(" ");
    const health = text("td", m.healthy ? "healthy" : "not chosen", m.healthy ? "" : "error");
    tr.append(text("td", m.identity), text("td", facts), health, text("td", m.in_flight, "num"),
      text("td", m.failures, "num"), text("td", m.last_seen_ms ? sinceNow(m.last_seen_ms) + " ago" : "never"));
    return tr;
  });
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = text("td", "No master has registered.", "muted");
    td.colSpan = 6;
    tr.append(td);
    rows.push(tr);
  }
  $("masters").replaceChildren(...rows);
}

function drawDurations(durations) {
  const rows = Object.entries(durations || {}).map(([step, d]) => {
    const tr = document.createElement("tr");
    tr.dataset.step = step;
    tr.append(text("td", step), text("td", d.count, "num"), text("td", d.done, "num"),
      text("td", seconds(d.p50), "num"), text("td", seconds(d.p90), "num"),
      text("td", seconds(d.p99), "num"), text("td", seconds(d.max), "num"));
    return tr;
  });
  $("durations").replaceChildren(...rows);
}

function drawDeployments(deployments) {
  const blocks = (deployments || []).map((d) => {
    const box = document.createElement("div");
    box.className = "deployment";
    box.append(text("h3", d.name + " — " + d.state + " (" + (d.members || []).length + " members)"));
    const table = document.createElement("table");
    table.className = "table";
    for (const m of d.members || []) {
      const tr = document.createElement("tr");
      tr.append(text("td", m.identity), text("td", m.pool), text("td", m.name), text("td", m.state),
        text("td", m.step), text("td", m.error, "error"));
      table.append(tr);
    }
    box.append(table);
    return box;
  });
  if (!blocks.length) blocks.push(text("p", "No deployment.", "muted"));
  $("deployments").replaceChildren(...blocks);
}

function setRows(rows) { for (const r of rows) nodes.set(r.id, r); }

function connect() {
  const source = new EventSource("events");
  const status = $("connection");
  source.onopen = () => { status.dataset.state = "live"; status.textContent = "live"; };
  source.onerror = () => { status.dataset.state = "lost"; status.textContent = "reconnecting"; };
  source.addEventListener("snapshot", (e) => {
    const s = JSON.parse(e.data);
    skewMs = s.now_ms - Date.now();
    $("provisioner").textContent = s.provisioner + " · flow " + s.flow;
    nodes.clear();
    setRows(s.rows);
    masters = s.masters;
    drawMasters();
    drawDurations(s.durations);
    drawDeployments(s.deployments);
    queueDraw();
  });
  source.addEventListener("nodes", (e) => {
    const d = JSON.parse(e.data);
    skewMs = d.now_ms - Date.now();
    setRows(d.rows);
    for (const id of d.removed) nodes.delete(id);
    queueDraw();
  });
  source.addEventListener("masters", (e) => { masters = JSON.parse(e.data); drawMasters(); });
  source.addEventListener("durations", (e) => drawDurations(JSON.parse(e.data)));
  source.addEventListener("deployments", (e) => drawDeployments(JSON.parse(e.data)));
}

function start() {
  lists.flight = new VirtualList($("in-flight"), "cols-flight", (n) => [
    text("span", n.id), text("span", n.step + (n.attempt > 0 ? " (try " + (n.attempt + 1) + ")" : "")),
    text("span", n.master), text("span", sinceNow(n.since_ms), "since")], showHistory);
  lists.problems = new VirtualList($("problems"), "cols-problems", (n) => [
    text("span", n.id), stateCell(n.state), text("span", n.step), longText(n.error, "error")],
  showHistory);
  lists.all = new VirtualList($("all"), "cols-all", (n) => [
    text("span", n.id), stateCell(n.state), text("span", n.step), text("span", n.master),
    text("span", n.name)], showHistory);
  $("filter").addEventListener("input", queueDraw);
  $("history-close").addEventListener("click", () => { $("history").hidden = true; });
  // Times in step and since a master was seen move on their own.
  setInterval(() => { lists.flight.draw(); drawMasters(); }, 1000);
  connect();
}

start();
