// Debian's Chromium driven by playwright-core (no browser downloads).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
