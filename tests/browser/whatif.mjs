// Drives the what-if page of `xuhui-sim serve` in headless Chromium, as a
// planner would: load it, move the downturn probability with the keyboard,
// see the probabilities and paired changes update, switch to Chinese, save
// the scenario. Prints what the page showed as JSON on standard output.
// Run by tests/it/serve.rs with URL, SHOTS (a folder for screenshots) and
// SAVE_NAME set; CHROMIUM may name the browser.
import { chromium } from "playwright-core";

const url = process.env.URL;
const shots = process.env.SHOTS;
const saveName = process.env.SAVE_NAME || "browser-test";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("dialog", (d) => d.accept());
  await page.goto(url);
  const settled = async (check) => page.waitForFunction(check, null, { timeout: 60000, polling: 50 });
  await settled(() => window.__whatif.ready && window.__whatif.last
    && window.__whatif.last.summary.run.paths === Number(document.getElementById("paths").value));
  const cell = (target, field) => page.$eval(`tr[data-target="${target}"] td[data-field="${field}"]`, (e) => e.textContent);
  const before = { probability: await cell("gdp_growth_2024", "probability"), difference: await cell("gdp_growth_2024", "difference") };
  await page.screenshot({ path: `${shots}/whatif-en-loaded.png`, fullPage: false });

  // Keyboard: focus the downturn probability and press → 40 times (step 0.005: 0.10 → 0.30).
  const slider = page.locator('.control[data-key="regime.downturn_probability"] input[type=range]');
  await slider.focus();
  const changeStarted = await page.evaluate(() => window.__whatif.latencies.length);
  for (let i = 0; i < 40; i++) await page.keyboard.press("ArrowRight");
  await settled(() => window.__whatif.set.get("regime.downturn_probability") === 0.3);
  await settled(() => {
    const s = window.__whatif;
    const body = s.last && s.last.summary;
    return s.ready && body && body.run.paths === Number(document.getElementById("paths").value)
      && s.latencies.length > 0 && s.latencies[s.latencies.length - 1].final
      && !s.controller.signal.aborted && document.getElementById("status").textContent.includes("seed");
  });
  // The last answer must be for the final position.
  await page.waitForTimeout(300);
  await settled(() => window.__whatif.latencies[window.__whatif.latencies.length - 1].final);
  const after = { probability: await cell("gdp_growth_2024", "probability"), difference: await cell("gdp_growth_2024", "difference"), verdict: await cell("gdp_growth_2024", "verdict") };
  await page.screenshot({ path: `${shots}/whatif-en-downturn-0.3.png`, fullPage: false });

  // "What moves it?" for revenue: a tornado drawn on demand.
  await page.click('tr[data-target="fiscal_revenue_growth_2024"] button');
  await page.waitForSelector("#tornado svg rect", { timeout: 120000 });
  const tornado = {
    bars: await page.$$eval("#tornado svg rect", (r) => r.length),
    title: await page.textContent("#tornado strong"),
  };
  await page.screenshot({ path: `${shots}/whatif-en-tornado.png`, fullPage: false });

  await page.click("#lang");
  const zh = { header: await page.textContent("label span[data-t=paths]"), verdict: await cell("gdp_growth_2024", "verdict") };
  await page.screenshot({ path: `${shots}/whatif-zh-downturn-0.3.png`, fullPage: false });

  await page.fill("#save-name", saveName);
  await page.click("#save");
  await settled(() => window.__whatif.saved);
  const shown = await page.evaluate(() => ({
    saved: window.__whatif.saved,
    set: Object.fromEntries(window.__whatif.set),
    summary: window.__whatif.last.summary,
    change: window.__whatif.last.change,
    paths: Number(document.getElementById("paths").value),
    seed: Number(document.getElementById("seed").value),
    latencies: window.__whatif.latencies,
    status: document.getElementById("status").textContent,
  }));
  shown.changeStarted = changeStarted;
  shown.tornado = tornado;
  console.log(JSON.stringify({ before, after, zh, errors, ...shown }));
} finally {
  await browser.close();
}
