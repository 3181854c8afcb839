// serve_browser.js URL IMAGE OUT PROFILE: drives headless Chromium
// (puppeteer-core) through cxrprep serve as a user would: uploads IMAGE
// through the form and reads the verdict; opens /review, clicks the first
// image of 10_dataset/covid, types a reason and clicks "Exclude"; back on
// /review, reads whether its card is marked excluded. Writes what it saw to
// OUT as JSON; any step that fails (30 s each at most) exits 1.
"use strict";
const fs = require("fs");
const puppeteer = require("puppeteer-core");

const [url, image, out, profile] = process.argv.slice(2);
const chrome = process.env.CHROME || "/usr/bin/chromium";

async function click(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: chrome,
    headless: true,
    userDataDir: profile,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  const seen = { requests: [] };
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(30000);
    page.on("request", (r) => seen.requests.push(r.url()));

    // the upload page
    await page.goto(url, { waitUntil: "load" });
    const input = await page.$("form#upload input[type=file][name=image]");
    await input.uploadFile(image);
    await click(page, "form#upload button[type=submit]");
    seen.verdict = await page.$eval("#verdict", (e) => e.textContent.trim());
    seen.shown = await page.$eval("img.full", (e) => e.complete && e.naturalWidth > 0);

    // the review page: thumbnails, then one image excluded by clicking
    await page.goto(url + "review", { waitUntil: "load" });
    seen.groups = await page.$$eval("div.grid", (ds) => ds.map((d) => d.dataset.group));
    const card = 'div.grid[data-group="10_dataset/covid"] .card';
    seen.id = await page.$eval(card, (e) => e.dataset.id);
    await page.waitForFunction((sel) => {
      const img = document.querySelector(sel + " img");
      return img && img.complete && img.naturalWidth > 0;
    }, {}, card);
    seen.thumb = true;
    await click(page, card + " a");
    seen.detail = page.url();
    await page.type("#reason", "arrows and text on the film");
    await click(page, "#exclude");
    seen.status = await page.$eval("#status", (e) => e.textContent.trim());
    await page.goto(url + "review", { waitUntil: "load" });
    seen.excluded = await page.$eval(`.card[data-id="${seen.id}"]`,
                                     (e) => e.classList.contains("excluded"));
    seen.foreign = seen.requests.filter((u) => !u.startsWith(url) && !u.startsWith("data:"));
  } finally {
    await browser.close();
  }
  delete seen.requests;
  fs.writeFileSync(out, JSON.stringify(seen, null, 1));
}

main().catch((e) => {
  console.error("serve_browser.js:", e && e.stack ? e.stack : e);
  process.exit(1);
});
