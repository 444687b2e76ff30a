// Browser client for cmd/authkit-demo's end-to-end tests.
//
// Usage: node browser.mjs <page-url>
//
// It starts the system's Chromium headless (CHROMIUM, or /usr/bin/chromium)
// through playwright-core, opens the page, and waits until the page's own
// script sets window.mcpResult: the page, served from an origin of its own,
// runs the whole MCP OAuth flow with fetch and a top-level redirect, so every
// cross-origin exchange passes the browser's CORS checks or fails them.
//
// It prints one JSON object on stdout: the page's result, plus the browser's
// console errors (a CORS refusal is reported there, not to the page). The
// page never puts a token in its result. Exit status 0 when the page reported
// ok, 1 otherwise.

import { chromium } from 'playwright-core';

const pageURL = process.argv[2];
if (!pageURL) {
  console.log(JSON.stringify({ ok: false, error: 'usage: node browser.mjs <page-url>' }));
  process.exit(1);
}

const consoleErrors = [];
let browser;
let out;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // The machine has no network but loopback: keep Chromium from trying.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(pageURL);
  // The flow navigates to the authorization server and back: wait across
  // navigations for the callback page's answer.
  await page.waitForFunction(() => window.mcpResult !== undefined, null, { timeout: 30000 });
  out = await page.evaluate(() => window.mcpResult);
} catch (e) {
  out = { ok: false, error: String(e) };
} finally {
  if (browser) await browser.close();
}
out.console_errors = consoleErrors;
console.log(JSON.stringify(out));
process.exit(out.ok ? 0 : 1);
