import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { ENROLLMENT_KEY } from './constants';

interface LogHit {
  '@timestamp': string;
  service: string;
  level: string;
  message: string;
  node_id?: string;
}

const logTable = (page: Page) => page.getByRole('table', { name: /^Log lines/ });
const tabs = (page: Page) => page.getByRole('navigation', { name: 'Logs and events' });
const search = (page: Page) => page.getByRole('button', { name: 'Search', exact: true });

test('logs: search a pushed message, filter by level and node, follow its request id, open the events tab', async ({ page, request }) => {
  // Seeded through the product: an enrolment push with a request id of our own. The API logs
  // it, the in-process worker stores the sample, and the log shipper flushes about every second.
  const nodeId = randomUUID();
  const requestId = `e2e-logs-${randomUUID()}`;
  const sample = { node_id: nodeId, country: 'GH', region: 'Ghana', timestamp: new Date().toISOString(), latency_ms: 21.5, uptime_pct: 100, packet_loss: 0 };
  const pushed = await request.post('/api/push', { headers: { authorization: `Bearer ${ENROLLMENT_KEY}`, 'x-request-id': requestId }, data: sample });
  expect(pushed.status()).toBe(202);

  let trace: LogHit[] = [];
  await expect(async () => {
    const res = await request.get(`/api/logs?request_id=${requestId}&order=asc`);
    expect(res.status()).toBe(200);
    trace = ((await res.json()) as { hits: LogHit[] }).hits;
    expect(new Set(trace.map((h) => h.service))).toEqual(new Set(['fiber-api', 'fiber-worker']));
  }).toPass({ timeout: 30_000 });
  const pushLine = trace.find((h) => h.service === 'fiber-api' && h.node_id === nodeId) ?? trace[0]!;

  // 1. Full text: the message, its words marked.
  await page.goto('/logs');
  await expect(page.getByRole('heading', { level: 1, name: 'Logs' })).toBeVisible();
  await expect(tabs(page).getByRole('link', { name: 'Logs' })).toHaveAttribute('aria-current', 'page');
  await page.getByLabel('Search', { exact: true }).fill(pushLine.message);
  await search(page).click();
  await expect(page).toHaveURL(/[?&]q=/);
  await expect(logTable(page)).toBeVisible();
  await expect(logTable(page).locator('mark').first()).toBeVisible();
  await expect(page.getByRole('figure', { name: /log lines? ·/ })).toBeVisible();

  // 2. Level and node: only our node's lines at that level.
  await page.getByLabel('Level', { exact: true }).selectOption(pushLine.level);
  await page.getByLabel('Node', { exact: true }).fill(nodeId);
  await search(page).click();
  await expect(page).toHaveURL(new RegExp(`[?&]level=${pushLine.level}(&|$)`));
  await expect(page).toHaveURL(new RegExp(`[?&]node_id=${nodeId}(&|$)`));
  const rows = logTable(page).locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row.getByRole('cell').nth(2)).toHaveText(pushLine.level);
    await expect(row.locator(`a[href="/nodes/${nodeId}"]`)).toBeVisible();
  }

  // Reset clears every field, the level select too (it kept the old level before the form was keyed).
  await page.getByRole('link', { name: 'Reset' }).click();
  await expect(page).not.toHaveURL(/[?&]level=/);
  await expect(page.getByLabel('Level', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Node', { exact: true })).toHaveValue('');
  await page.goBack();
  await expect(page.getByLabel('Level', { exact: true })).toHaveValue(pushLine.level);

  // 3. The request id opens the request's trace: every line of it, oldest first, across services.
  await logTable(page).getByRole('link', { name: requestId }).first().click();
  await expect(page).toHaveURL(new RegExp(`[?&]request_id=${requestId}(&|$)`));
  await expect(page).toHaveURL(/[?&]order=asc(&|$)/);
  await expect(page.getByRole('heading', { name: `Request ${requestId}` })).toBeVisible();
  await expect(logTable(page).getByRole('cell', { name: 'fiber-api', exact: true }).first()).toBeVisible();
  await expect(logTable(page).getByRole('cell', { name: 'fiber-worker', exact: true }).first()).toBeVisible();
  const times = await logTable(page).locator('tbody time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
  expect(times.length).toBeGreaterThanOrEqual(2);
  expect([...times].sort()).toEqual(times);

  // 4. The node opens its node page.
  await logTable(page).locator(`a[href="/nodes/${nodeId}"]`).first().click();
  await expect(page).toHaveURL(new RegExp(`/nodes/${nodeId}$`));
  await expect(page.getByRole('heading', { level: 1, name: `probe-gh-${nodeId}` })).toBeVisible();

  // 5. Events: their own tab, filters in the URL, a table or the empty state.
  await page.goto('/logs');
  await tabs(page).getByRole('link', { name: 'Events' }).click();
  await expect(page).toHaveURL(/[?&]tab=events(&|$)/);
  await expect(tabs(page).getByRole('link', { name: 'Events' })).toHaveAttribute('aria-current', 'page');
  await page.getByLabel('Node', { exact: true }).fill(nodeId);
  await search(page).click();
  await expect(page).toHaveURL(/[?&]tab=events(&|$)/);
  await expect(page).toHaveURL(new RegExp(`[?&]node_id=${nodeId}(&|$)`));
  await expect(page.getByRole('table', { name: /^Events/ }).or(page.getByRole('status').filter({ hasText: /^No events/ }))).toBeVisible();
  await expect(page.getByText('The log store is not answering')).toHaveCount(0);
});

test('a bad search says which parameter is wrong instead of failing the page', async ({ page }) => {
  await page.goto('/logs?limit=501&level=LOUD');
  // (Next's route announcer is an alert too: pick ours by its words.)
  const alert = page.getByRole('alert').filter({ hasText: 'This search cannot run' });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('limit');
  await expect(alert).toContainText('level');
});

test('the search API needs a session or a read-only token', async ({ playwright }, testInfo) => {
  const anonymous = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL, storageState: { cookies: [], origins: [] } });
  for (const path of ['/api/logs', '/api/events']) {
    const res = await anonymous.get(path);
    expect(res.status()).toBe(401);
    expect(res.headers()['content-type']).toBe('application/problem+json');
  }
  await anonymous.dispose();
});
