// End-to-end: the built web app served by a real `taskflow up`, in headless Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch, shot } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

const PASSWORD = 'correct horse 1';
const email = `e2e-${Date.now()}@example.com`;
let server;
let browser;
let context;
let page;

const rows = (p, title) => p.locator('[data-testid="task-row"]', { hasText: title });

describe('TaskFlow web app', { timeout: 600_000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await launch();
    context = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB', viewport: { width: 1200, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('[page error]', err.message));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('sign up, and the session survives a reload', async () => {
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'TaskFlow' }).waitFor();
    await shot(page, '01-sign-in');
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByLabel('Name').fill('Erin Example');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').filter({ hasText: /password/i }).waitFor(); // the API's field message
    await shot(page, '02-sign-up-error');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('New task').waitFor();
    await page.reload();
    await page.getByLabel('New task').waitFor();
    await page.getByText('Nothing to do. Add a task above.').waitFor();
    await shot(page, '03-empty-list');
  });

  test('create a recurring task with tags and a reminder', async () => {
    await page.getByRole('button', { name: 'New…' }).click();
    const editor = page.getByRole('dialog');
    await editor.getByLabel('Title').fill('Water the plants');
    await editor.getByLabel('Tags').fill('garden');
    await editor.getByLabel('Tags').press('Enter');
    await editor.getByRole('button', { name: 'Remove tag garden' }).waitFor();
    const tomorrow = await page.evaluate(() => {
      const d = new Date(Date.now() + 86_400_000);
      return d.toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' }); // YYYY-MM-DD
    });
    await editor.getByLabel('Due date').fill(tomorrow);
    await editor.getByLabel('Due time').fill('09:00');
    await editor.getByRole('button', { name: '+ Before due' }).click();
    await editor.getByLabel('Repeat', { exact: true }).selectOption('weekly');
    await editor.getByRole('button', { name: 'Mon', exact: true }).click();
    await editor.getByRole('button', { name: 'Wed', exact: true }).click();
    await editor.getByTestId('rrule-words').filter({ hasText: 'every week on Mon, Wed' }).waitFor();
    assert.equal(await editor.getByTestId('rrule-code').textContent(), 'FREQ=WEEKLY;BYDAY=MO,WE');
    await shot(page, '04-editor');
    await editor.getByRole('button', { name: 'Create task' }).click();
    await editor.waitFor({ state: 'detached' });
    const row = rows(page, 'Water the plants');
    await row.waitFor();
    const text = await row.textContent();
    assert.match(text, /every week on Mon, Wed/);
    assert.match(text, /garden/);
    assert.equal(await row.getByTestId("reminder-count").textContent(), "reminders:1");
    await shot(page, '05-list');
  });

  test('complete it and see the next occurrence', async () => {
    const first = rows(page, 'Water the plants').first();
    const firstId = await first.getAttribute('data-task-id');
    const firstDue = await first.locator('div > div span').first().textContent();
    await first.getByRole('checkbox').check();
    const next = page.locator(`[data-testid="task-row"]:not([data-task-id="${firstId}"])`, { hasText: 'Water the plants' });
    await next.waitFor({ timeout: 10_000 });
    assert.equal(await next.getByRole('checkbox').isChecked(), false);
    const nextDue = await next.locator('div > div span').first().textContent();
    assert.notEqual(nextDue, firstDue, 'the next occurrence is due later');
    await shot(page, '06-next-occurrence');
  });

  test('a change made in a second tab appears live in the first', async () => {
    const second = await context.newPage();
    await second.goto(server.url);
    await second.getByLabel('New task').fill('Buy oat milk #errands');
    await second.getByLabel('New task').press('Enter');
    await rows(second, 'Buy oat milk').waitFor();
    try {
      // No reload, no focus change: only the live stream can bring it to the first tab.
      await rows(page, 'Buy oat milk').waitFor({ timeout: 5_000 });
    } finally {
      const status = await page.getByTestId('live-status').getAttribute('data-status');
      console.log(`live stream status in the first tab: ${status}`);
      await second.close();
    }
  });

  test('a reminder appears as a toast', async () => {
    const created = await page.evaluate(async () => {
      const now = Date.now();
      const response = await fetch('/api/v1/tasks', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          title: 'Stretch your legs',
          due_at: new Date(now + 3_600_000).toISOString(),
          reminders: [{ at: new Date(now + 4_000).toISOString() }],
        }),
      });
      return response.status;
    });
    assert.equal(created, 201);
    const toast = page.getByTestId('toast-reminder').filter({ hasText: 'Stretch your legs' });
    await toast.waitFor({ timeout: 30_000 });
    await shot(page, '07-reminder-toast');
  });

  test('delete with undo, and restore from the trash', async () => {
    await page.getByLabel('New task').fill('Throw this away');
    await page.getByLabel('New task').press('Enter');
    await rows(page, 'Throw this away').waitFor();
    await page.getByRole('button', { name: 'Delete “Throw this away”' }).click();
    await rows(page, 'Throw this away').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Undo' }).click();
    await rows(page, 'Throw this away').waitFor();
    await page.getByRole('button', { name: 'Delete “Throw this away”' }).click();
    await rows(page, 'Throw this away').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Trash' }).click();
    await page.getByTestId('trash-row').filter({ hasText: 'Throw this away' }).waitFor();
    await shot(page, '08-trash');
    await page.getByRole('button', { name: 'Restore “Throw this away”' }).click();
    await page.getByText('The trash is empty.').waitFor();
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await rows(page, 'Throw this away').waitFor();
  });

  test('search, filters and keyboard shortcuts', async () => {
    const blur = () => page.evaluate(() => document.activeElement?.blur());
    await blur();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'search');
    await page.keyboard.type('oat');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="task-row"]').length === 1);
    await page.getByLabel('Search tasks').fill('');
    await page.getByRole('button', { name: '#errands' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="task-row"]').length === 1);
    await page.getByRole('button', { name: '#errands' }).click();
    await blur();
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const selected = page.locator('[data-testid="task-row"][aria-selected="true"]');
    const title = (await selected.locator('button').first().textContent()).trim();
    await page.keyboard.press('x');
    await page.waitForFunction(
      (t) => [...document.querySelectorAll('[data-testid="task-row"]')].some((r) => r.textContent.includes(t) && r.querySelector('input').checked),
      title,
    );
    await page.keyboard.press('n');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'quick-add');
  });

  test('an expired session returns to sign-in and keeps what was typed', async () => {
    await page.getByLabel('New task').fill('Half-typed thought');
    await context.clearCookies();
    await page.getByRole('button', { name: 'urgent', exact: true }).click(); // any request now answers 401
    await page.getByText('Your session ended.').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('New task').waitFor();
    assert.equal(await page.getByLabel('New task').inputValue(), 'Half-typed thought');
    await page.getByRole('button', { name: 'urgent', exact: true }).click();
  });

  test('dark mode and phone width', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.getByLabel('New task').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true);
    await shot(page, '09-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '10-phone-dark');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at phone width (overflow ${overflow}px)`);
    const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
    assert.ok(signOut && signOut.x + signOut.width <= 390, 'the header fits a phone');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1200, height: 800 });
  });

  test('first render of a 1,000-task list (measured, not asserted)', async () => {
    const ctx = await browser.newContext({ timezoneId: 'Europe/Berlin', viewport: { width: 1200, height: 800 } });
    const api = ctx.request;
    const signup = await api.post(`${server.url}/api/v1/auth/signup`, {
      data: { email: `bulk-${Date.now()}@example.com`, password: PASSWORD, name: 'Bulk', timezone: 'Europe/Berlin' },
    });
    assert.equal(signup.status(), 201);
    const priorities = ['low', 'medium', 'high', 'urgent'];
    for (let start = 0; start < 1000; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const n = start + i;
          return api.post(`${server.url}/api/v1/tasks`, {
            data: {
              title: `Task ${n} of the big list`,
              priority: priorities[n % 4],
              tags: [`t${n % 5}`],
              due_at: new Date(Date.now() + n * 3_600_000).toISOString(),
            },
          });
        }),
      );
    }
    await new Promise((ok) => setTimeout(ok, 3_000)); // let the server settle after the burst of writes
    const bulk = await ctx.newPage();
    await bulk.addInitScript(() => {
      const start = () => {
        const observer = new MutationObserver(() => {
          if (!document.querySelector('[data-testid="task-row"]')) return;
          observer.disconnect();
          requestAnimationFrame(() =>
            setTimeout(() => {
              const entries = performance.getEntriesByType('resource');
              const find = (part) => entries.find((e) => e.name.includes(part));
              window.__firstRender = {
                painted: performance.now(),
                script: find('/assets/')?.responseEnd ?? null,
                me: find('/api/v1/auth/me')?.responseEnd ?? null,
                list: find('/api/v1/tasks?')?.responseEnd ?? null,
                rows: document.querySelectorAll('[data-testid="task-row"]').length,
              };
            }),
          );
        });
        observer.observe(document.body, { childList: true, subtree: true });
      };
      // Rows need two API answers, so they never appear before DOMContentLoaded.
      if (document.body) start();
      else document.addEventListener('DOMContentLoaded', start);
    });
    const measure = async (label) => {
      await bulk.waitForFunction(() => window.__firstRender);
      const m = await bulk.evaluate(() => window.__firstRender);
      const ms = (v) => (v === null ? '?' : `${v.toFixed(0)} ms`);
      console.log(
        `first render of the 1,000-task list (${label}): ${ms(m.painted)} from navigation to ${m.rows} rows painted ` +
          `[script loaded ${ms(m.script)}, /auth/me ${ms(m.me)}, first page of /tasks ${ms(m.list)}, ` +
          `list answer → painted ${m.list === null ? '?' : ms(m.painted - m.list)}] (budget 200 ms)`,
      );
    };
    await bulk.goto(server.url);
    await measure('cold');
    await bulk.reload();
    await measure('warm reload');
    await shot(bulk, '11-thousand-tasks');
    await ctx.close();
  });
});
