// Drives Debian's /usr/bin/chromium with npm playwright-core (no browser
// download): opens the page, waits for it to finish, prints the results
// text and the banner as JSON (one line per page), and saves a screenshot
// of each page. One browser for all the pages: it is the slow part.
// Usage: node driver.mjs <node_modules> <url> <screenshot.png> [<url> <png>]...
import { createRequire } from "node:module";
import path from "node:path";

const [modules, ...pages] = process.argv.slice(2);
const require = createRequire(path.join(modules, "x.js"));
const { chromium } = require("playwright-core");

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  for (let i = 0; i + 1 < pages.length; i += 2) {
    const [url, png] = [pages[i], pages[i + 1]];
    const page = await browser.newPage({ viewport: { width: 900, height: 500 } });
    const console_lines = [];
    page.on("console", (m) => console_lines.push(m.text()));
    page.on("pageerror", (e) => console_lines.push(String(e)));
    await page.goto(url);
    await page.waitForSelector("body[data-done='1']", { timeout: 30000 });
    await page.screenshot({ path: png });
    const out = {
      banner: await page.textContent("#banner"),
      bannerColor: await page.$eval("#banner", (e) => getComputedStyle(e).backgroundColor),
      results: await page.textContent("#results"),
      console: console_lines,
    };
    console.log(JSON.stringify(out));
    await page.close();
  }
} finally {
  await browser.close();
}
