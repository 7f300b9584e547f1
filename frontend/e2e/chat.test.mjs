// End-to-end: the assistant with a model behind it — recorded Claude answers served over HTTP
// to a real `taskflow up`, whose chat loop calls the real task tools.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch, shot } from './support/browser.mjs';
import { startAnthropicReplay, startServer } from './support/server.mjs';

let replay;
let server;
let browser;
let page;

describe('the assistant with a model', { timeout: 300_000 }, () => {
  before(async () => {
    replay = await startAnthropicReplay('create_recurring');
    server = await startServer({ extraEnv: replay.env });
    browser = await launch();
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB', viewport: { width: 1200, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('[page error]', err.message));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await replay?.stop();
  });

  test('"remind me to call mum every Sunday at 6pm" makes a weekly task that appears in the list', async () => {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByLabel('Name').fill('Chat Example');
    await page.getByLabel('Email').fill(`e2e-chat-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('correct horse 1');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Nothing to do. Add a task above.').waitFor();

    await page.getByRole('button', { name: 'Assistant', exact: true }).click();
    const panel = page.getByRole('complementary', { name: 'Assistant' });
    const box = panel.getByLabel('Message the assistant');
    await box.fill('remind me to call mum every Sunday at 6pm');
    await box.press('Enter');
    // Claude's answer streams in; the tool it called shows as a chip
    await panel.getByTestId('chat-action').filter({ hasText: "created 'Call mum'" }).waitFor({ timeout: 15_000 });
    await panel.getByTestId('chat-reply').filter({ hasText: /every Sunday at 18:00/ }).waitFor();
    assert.equal(await panel.getByTestId('chat-error').count(), 0, 'no error is shown');

    // ... and the task is in the list without a reload, as a weekly task
    const row = page.locator('[data-testid="task-row"]', { hasText: 'Call mum' });
    await row.waitFor({ timeout: 5_000 });
    assert.equal(await row.count(), 1, 'exactly one task was created');
    await shot(page, '15-chat-created-task');
    const tasks = await page.evaluate(async () => (await (await fetch('/api/v1/tasks', { credentials: 'same-origin' })).json()).items);
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0].title, 'Call mum');
    assert.equal(tasks[0].recurrence.rrule, 'FREQ=WEEKLY;BYDAY=SU');
    assert.equal(tasks[0].reminders.length, 1);
  });
});
