// Debian's Chromium driven by playwright-core (no browser downloads).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { repoRoot } from './server.mjs';

export const screenshotDir = join(repoRoot, 'artifacts', 'screenshots');

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function shot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Collects the Content-Security-Policy violations of every page of `context` (Chromium
 * reports each as a console error), so a test can assert the app runs under its policy. */
export function watchCsp(context) {
  const violations = [];
  const watch = (page) =>
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
        violations.push(message.text());
      }
    });
  context.pages().forEach(watch);
  context.on('page', watch);
  return violations;
}

/** The view at desktop (1280×800) and phone (390×844) width: `<name>-desktop.png`, `<name>-phone.png`. */
export async function shotBoth(page, name) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(page, `${name}-desktop`);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(50);
  await shot(page, `${name}-phone`);
  if (before) await page.setViewportSize(before);
}

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * axe-core's WCAG 2.0 / 2.1 / 2.2 A and AA rules on the page as it is now; returns the
 * violations as one readable line each (empty when there are none).
 */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
  // govern (an injected <script> tag would be refused by it, as it should be).
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(readFileSync(axePath, 'utf8'));
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1, 2).join(' ').trim()}`) }));
  });
  return violations.map((v) => `${v.id} (${v.help}): ${v.nodes.join(' | ')}`);
}
