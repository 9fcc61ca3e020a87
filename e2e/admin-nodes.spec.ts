import { expect, test } from '@playwright/test';
import type { NodeJson } from '../lib/nodes/api';

/**
 * An admin's day one with a new probe: create the node (location picked on the map), issue its
 * key, push a sample with that key, and watch the node come up on the overview.
 */
test('an admin creates a node by clicking the map, issues a key, pushes with it, and sees the node up', async ({ page, request }) => {
  const name = `probe-gh-e2e-${Date.now().toString(36)}`;
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Nodes admin' }).click();
  await expect(page.getByRole('heading', { name: 'Nodes', level: 1 })).toBeVisible();
  await page.getByRole('link', { name: 'New node' }).click();
  await expect(page.getByRole('heading', { name: 'New node' })).toBeVisible();

  // Nothing filled in: inline errors next to the required fields, nothing created.
  await page.getByRole('button', { name: 'Create node' }).click();
  await expect(page.getByLabel('Node name')).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/admin\/nodes\/new$/);

  await page.getByLabel('Node name').fill(name);
  await page.getByLabel('Display name').fill('Tamale E2E POP');
  await page.getByLabel('Country').selectOption('GH');
  await page.getByLabel('Region').fill('Northern');
  await page.getByLabel('City').fill('Tamale');
  const map = page.getByRole('region', { name: 'Pick location on map' });
  await expect(map.locator('.leaflet-container')).toBeVisible();
  const box = (await map.locator('.leaflet-container').boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.45);
  await expect(page.getByLabel('Latitude')).not.toHaveValue('');
  await expect(page.getByLabel('Longitude')).not.toHaveValue('');
  const latitude = Number(await page.getByLabel('Latitude').inputValue());
  expect(latitude).toBeGreaterThanOrEqual(-90);
  expect(latitude).toBeLessThanOrEqual(90);
  const tags = page.getByLabel('Tags');
  await tags.fill('e2e');
  await tags.press('Enter');
  await tags.fill('tier2');
  await tags.press('Enter');
  await expect(page.getByRole('button', { name: 'Remove tag tier2' })).toBeVisible();
  await page.getByRole('button', { name: 'Create node' }).click();

  await expect(page.getByRole('heading', { name: 'Tamale E2E POP', level: 1 })).toBeVisible();
  const nodeId = /\/admin\/nodes\/([0-9a-f-]{36})/.exec(page.url())![1]!;

  await page.getByRole('button', { name: 'Create key' }).click();
  const keyBox = page.getByLabel('New probe key');
  await expect(keyBox).toHaveValue(/^fsp_[A-Za-z0-9]{8}_/);
  const key = await keyBox.inputValue();
  await expect(page.getByRole('table', { name: 'Probe keys' })).toContainText(key.slice(0, 12));

  const pushed = await request.post('/api/push', {
    headers: { authorization: `Bearer ${key}` },
    data: { node_id: nodeId, country: 'GH', region: 'Northern', timestamp: new Date().toISOString(), latency_ms: 24.5, uptime_pct: 100, packet_loss: 0 },
  });
  expect(pushed.status(), await pushed.text()).toBe(202);

  await expect(async () => {
    const node = (await (await request.get(`/api/nodes/${nodeId}`)).json()) as NodeJson;
    expect(node.status).toBe('up');
  }).toPass({ timeout: 20_000 });
  await page.goto(`/?country=GH`);
  const row = page.getByRole('table', { name: 'Probe nodes' }).locator(`tr[data-node-id="${nodeId}"]`);
  await expect(row).toHaveAttribute('data-status', 'up');
  await expect(row).toContainText('Tamale E2E POP');
  await expect(page.getByTestId('node-map-canvas').locator(`[data-node-id="${nodeId}"]`)).toHaveCount(1);
});

test('markup in a node name, a tag or a hardware field renders as text and never runs', async ({ page }) => {
  const payload = `<img src=x onerror="window.__fiberXss=1">`;
  await page.goto('/admin/nodes/new');
  await page.getByLabel('Node name').fill(`probe-xss-${Date.now().toString(36)}`);
  await page.getByLabel('Display name').fill(payload);
  await page.getByLabel('Country').selectOption('NG');
  await page.getByLabel('Region').fill('Lagos');
  await page.getByLabel('CPU').fill(payload);
  await page.getByLabel('Tags').fill('<script>window.__fiberXss=2</script>');
  await page.getByLabel('Tags').press('Enter');
  await page.getByRole('button', { name: 'Create node' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(payload);
  const nodeUrl = page.url();
  const nodeId = /\/admin\/nodes\/([0-9a-f-]{36})/.exec(nodeUrl)![1]!;

  for (const url of [nodeUrl, '/admin/nodes', `/nodes/${nodeId}`, '/?country=NG']) {
    await page.goto(url);
    await expect(page.getByText(payload).first(), url).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __fiberXss?: number }).__fiberXss), url).toBeUndefined();
    expect(await page.locator('img[src="x"]').count(), url).toBe(0);
  }
});
