// `guidepath report`'s page in a real headless Chromium (Debian's), as a
// forum member opens it: no console errors; the catalogue is there without
// JavaScript; with it, the catalogue sorts by a column and filters by text
// and by status; a full-page screenshot for the run's artifacts.
//
// Usage: node report.test.js REPORT.html SCREENSHOT.png ROWS
// (CHROMIUM names the browser; default /usr/bin/chromium)
"use strict";

const path = require("path");
const puppeteer = require("puppeteer-core");

const [file, shot, rows] = process.argv.slice(2);
if (!file || !shot || !rows) {
  console.error("usage: node report.test.js REPORT.html SCREENSHOT.png ROWS");
  process.exit(2);
}
const url = "file://" + path.resolve(file);
let passed = 0;
let failed = 0;
function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + "report: " + what);
  ok ? passed++ : failed++;
}

async function visibleRows(page) {
  return page.$$eval("#catalogue tbody tr", (trs) => trs.filter((r) => !r.hidden).map((r) => r.cells[1].textContent));
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    // Without JavaScript: the whole catalogue, no controls.
    const plain = await browser.newPage();
    await plain.setJavaScriptEnabled(false);
    await plain.goto(url, { waitUntil: "load" });
    const all = await visibleRows(plain);
    check(all.length === Number(rows), `without JavaScript every recommendation is listed (${all.length} of ${rows})`);
    check(await plain.$eval("#controls", (c) => c.hidden), "without JavaScript the controls stay hidden");

    // With JavaScript.
    const page = await browser.newPage();
    const errors = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => errors.push("request failed: " + r.url()));
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    // A laptop's screen: the catalogue fits it without scrolling sideways.
    await page.setViewport({ width: 1366, height: 768 });
    await page.goto(url, { waitUntil: "load" });
    check(errors.length === 0, "no console errors" + (errors.length ? ": " + errors.join("; ") : ""));
    check(requests.every((u) => u === url), "nothing is fetched but the page itself");
    check(!(await page.$eval("#controls", (c) => c.hidden)), "the controls show");

    // Sort by id: ascending, then descending.
    const ids = (await visibleRows(page)).slice();
    const sorted = ids.slice().sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    await page.click("#catalogue thead th:nth-child(2)");
    check(JSON.stringify(await visibleRows(page)) === JSON.stringify(sorted), "a click on `id` sorts ascending");
    await page.click("#catalogue thead th:nth-child(2)");
    check(JSON.stringify(await visibleRows(page)) === JSON.stringify(sorted.slice().reverse()), "a second click sorts descending");

    // Filter by text, then by status.
    await page.type("#filter", "mms");
    const mms = await visibleRows(page);
    const want = await page.$$eval("#catalogue tbody tr", (trs) =>
      trs.filter((r) => r.textContent.toLowerCase().includes("mms")).length
    );
    check(mms.length === want && mms.length > 0 && mms.length < all.length, `filtering by "mms" shows ${mms.length} rows`);
    const shown = await page.$eval("#shown", (s) => s.textContent);
    check(shown === `${mms.length} of ${all.length}`, `the count says so: ${shown}`);
    await page.$eval("#filter", (f) => {
      f.value = "";
      f.dispatchEvent(new Event("input"));
    });
    const statuses = await page.$$eval("#status option", (os) => os.map((o) => o.value).filter(Boolean));
    const status = statuses[0];
    await page.select("#status", status);
    const byStatus = await page.$$eval("#catalogue tbody tr", (trs) => trs.filter((r) => !r.hidden).map((r) => r.dataset.status));
    check(byStatus.length > 0 && byStatus.every((s) => s === status), `the status filter shows only ${status} (${byStatus.length})`);
    await page.select("#status", "");

    // The traceability view: every guideline lists the assumptions its
    // working group is to confirm, and the summary counts them all.
    const traced = await page.$$eval("h3[id^='trace-']", (hs) =>
      hs.map((h) => {
        let n = h.nextElementSibling;
        while (n && !(n.tagName === "UL" && n.classList.contains("assumptions")) && n.tagName !== "H3") {
          n = n.nextElementSibling;
        }
        const items = n && n.tagName === "UL" ? n.querySelectorAll("li").length : 0;
        const quotes = h.nextElementSibling ? h.nextElementSibling.querySelectorAll("blockquote").length : 0;
        return { id: h.id, items, quotes };
      })
    );
    check(traced.length > 0 && traced.length === (await page.$$eval("h2[id^='g-']", (hs) => hs.length)),
      `every guideline has a traceability view (${traced.length})`);
    for (const t of traced) {
      check(t.items > 0, `${t.id} lists its assumptions (${t.items})`);
      check(t.quotes > 0, `${t.id} shows its rules beside their quotes (${t.quotes})`);
    }
    const total = traced.reduce((a, t) => a + t.items, 0);
    const said = await page.$$eval("#summary ~ ul li", (lis) =>
      lis.map((l) => l.textContent).find((t) => t.includes("assumptions for the working group"))
    );
    check(said === `${total} assumptions for the working group to confirm`, `"Needs attention" counts them: ${said}`);

    const fit = await page.evaluate(() => {
      const wide = document.querySelector("#catalogue").parentElement;
      return {
        page: document.documentElement.scrollWidth,
        view: window.innerWidth,
        table: wide.scrollWidth,
        box: wide.clientWidth,
      };
    });
    check(fit.page <= fit.view, `the page fits 1366 px across (${fit.page} of ${fit.view})`);
    check(fit.table <= fit.box, `the catalogue fits its column without a sideways scroll (${fit.table} of ${fit.box})`);
    // Scrolled into the catalogue, its header stays in view.
    await page.evaluate(() => {
      const rows = document.querySelectorAll("#catalogue tbody tr");
      rows[Math.floor(rows.length / 2)].scrollIntoView();
    });
    const head = await page.$eval("#catalogue thead th", (th) => th.getBoundingClientRect().top);
    check(head >= -1 && head < 5, `the catalogue's header stays at the top while it scrolls (${head} px)`);
    await page.screenshot({ path: shot.replace(/\.png$/, "-1366x768.png") });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot, fullPage: true });
    check(true, "screenshots " + shot + " and the 1366 × 768 view beside it");
    check(errors.length === 0, "still no console errors" + (errors.length ? ": " + errors.join("; ") : ""));
  } finally {
    await browser.close();
  }
  console.log(`report: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
