// Drives Debian's chromium (headless, through puppeteer-core) against a running
// provisioner's live page, for tests/integration/provisioner/live_page_test.cpp:
//
//   node live_page.mjs SPEC_JSON
//
// SPEC: {url, user, password, artifacts, preloaded: {provisioned, failed, held},
//        ok: [ids], failed: {id, error}, last_id, filter_id}
//
// Prints one JSON line per stage: {"stage": "ready"} once the page shows the preloaded
// nodes (the test then starts the live ones), {"stage": "done", ...what was seen} at the
// end. Exits 1 with {"stage": "failed", "why": ...} when something is not as it should be.
import fs from "node:fs";
import path from "node:path";
import puppeteer from "puppeteer-core";

const spec = JSON.parse(process.argv[2]);
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const wait = { timeout: 120000, polling: "mutation" };

function check(ok, why) {
  if (!ok) throw new Error(why);
}

// The browser's profile is scratch, removed when it closes; the artifacts are the
// screenshots.
const profile = fs.mkdtempSync(path.join(spec.artifacts, "profile-"));
const browser = await puppeteer.launch({
  executablePath: process.env.DROVER_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // The sandbox needs user namespaces a test machine (or root) may not give.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  userDataDir: profile,
});
async function closeBrowser() {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
const problems = [];
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  await page.setViewport({ width: 1500, height: 1900 });
  await page.authenticate({ username: spec.user, password: spec.password });

  const pre = spec.preloaded;
  const preTotal = pre.provisioned + pre.failed + pre.held;
  const response = await page.goto(spec.url, { waitUntil: "domcontentloaded" });
  check(response.ok(), "the page answered " + response.status());

  // The snapshot drawn: every preloaded node counted, the stream live.
  const started = Date.now();
  await page.waitForFunction((n) => document.getElementById("count-total").textContent === String(n),
    wait, preTotal);
  const firstDrawMs = Date.now() - started;
  await page.waitForFunction(() => document.getElementById("connection").dataset.state === "live", wait);
  const counts = () => page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll("#counts .n")].map((e) => [e.id.slice(6), Number(e.textContent)])));
  const before = await counts();
  check(before.provisioned === pre.provisioned && before.failed === pre.failed && before.held === pre.held,
    "preloaded counts shown as " + JSON.stringify(before));
  // Thousands of nodes, a screenful of rows: the lists draw only what is in view.
  const rowsInDom = await page.evaluate(() => document.querySelectorAll(".row").length);
  check(rowsInDom < 150, rowsInDom + " rows in the page for " + preTotal + " nodes");

  // Every value each count shows from now on, as the page changes it.
  await page.evaluate(() => {
    window.seenCounts = {};
    const note = () => {
      for (const e of document.querySelectorAll("#counts .n")) {
        const seen = (window.seenCounts[e.id.slice(6)] ||= []);
        if (seen[seen.length - 1] !== Number(e.textContent)) seen.push(Number(e.textContent));
      }
    };
    note();
    new MutationObserver(note).observe(document.getElementById("counts"),
      { subtree: true, childList: true, characterData: true });
  });
  say({ stage: "ready", first_draw_ms: firstDrawMs, rows_in_dom: rowsInDom });

  // The live nodes go through the flow; one fails.
  const wantProvisioned = pre.provisioned + spec.ok.length;
  const wantFailed = pre.failed + 1;
  await page.waitForFunction((p, f) =>
    document.getElementById("count-provisioned").textContent === String(p) &&
    document.getElementById("count-failed").textContent === String(f) &&
    document.getElementById("count-running").textContent === "0",
  wait, wantProvisioned, wantFailed);
  const seen = await page.evaluate(() => window.seenCounts);
  check(Math.max(...seen.running) >= 1, "no node was ever shown in flight: " + JSON.stringify(seen));
  check(seen.provisioned.length >= 2, "the provisioned count never moved: " + JSON.stringify(seen));

  // The failed node, with its error as text (it came from the node: no markup made of it).
  const failedRow = `#problems .row[data-id="${spec.failed.id}"]`;
  await page.waitForSelector(failedRow, { timeout: 10000 });
  const failed = await page.$eval(failedRow, (r) => ({
    cells: [...r.children].map((c) => c.textContent),
    markup: r.querySelectorAll("b, script, img").length,
  }));
  check(failed.cells[1] === "failed" && failed.cells[3].includes(spec.failed.error),
    "the failed node shows " + JSON.stringify(failed.cells));
  check(failed.markup === 0, "the error became markup");
  fs.mkdirSync(spec.artifacts, { recursive: true });
  await page.screenshot({ path: path.join(spec.artifacts, "live-page.png"), fullPage: true });

  // Masters with their region facts; step durations for the steps run.
  const masters = await page.$$eval("#masters tr", (rows) => rows.map((r) =>
    [...r.children].map((c) => c.textContent)));
  check(masters.length === 2 && masters.every((m) => m[1].startsWith("region=") && m[2] === "healthy"),
    "masters shown as " + JSON.stringify(masters));
  const steps = await page.$$eval("#durations tr", (rows) => rows.map((r) => r.dataset.step));
  check(steps.includes("production") && steps.includes("bootstrap"),
    "durations shown for " + JSON.stringify(steps));

  // Filtering thousands of nodes down to one; the end of the list reachable.
  await page.type("#filter", spec.filter_id);
  await page.waitForFunction((id) => {
    const rows = document.querySelectorAll("#all .row");
    return rows.length === 1 && rows[0].dataset.id === id;
  }, wait, spec.filter_id);
  await page.$eval("#filter", (e) => { e.value = ""; e.dispatchEvent(new Event("input")); });
  await page.waitForFunction(() => document.querySelectorAll("#all .row").length > 1, wait);
  await page.$eval("#all", (e) => { e.scrollTop = e.scrollHeight; });
  await page.waitForFunction((id) => {
    const rows = [...document.querySelectorAll("#all .row")];
    return rows.length > 0 && rows[rows.length - 1].dataset.id === id;
  }, wait, spec.last_id);
  const rowsAtEnd = await page.evaluate(() => document.querySelectorAll("#all .row").length);
  check(rowsAtEnd < 100, rowsAtEnd + " rows drawn at the end of the list");

  // A node's history on click: the failed step with its error.
  await page.click(failedRow);
  await page.waitForFunction(() => document.querySelectorAll("#history-rows tr").length > 0 &&
    !document.getElementById("history").hidden, wait);
  const history = await page.$$eval("#history-rows tr", (rows) => rows.map((r) =>
    [...r.children].map((c) => c.textContent)));
  check(history.some((h) => h[0] === "bootstrap" && h[6].includes(spec.failed.error)),
    "the history shows " + JSON.stringify(history));
  await page.screenshot({ path: path.join(spec.artifacts, "live-page-history.png"), fullPage: true });

  check(problems.length === 0, problems.join("; "));
  say({ stage: "done", seen, masters, steps, history_rows: history.length, rows_at_end: rowsAtEnd,
    screenshots: ["live-page.png", "live-page-history.png"].map((f) => path.join(spec.artifacts, f)) });
  await closeBrowser();
} catch (e) {
  say({ stage: "failed", why: e.message, problems });
  await closeBrowser();
  process.exit(1);
}
