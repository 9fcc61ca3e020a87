import { expect, test } from '@playwright/test';
import { DEMO_NODES } from '../drizzle/seed/demo-nodes';

test.describe('home page', () => {
  test('lists every seeded node with its latest sample and last-seen time', async ({ page }, testInfo) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Probe nodes' })).toBeVisible();
    await expect(page.getByText(`${DEMO_NODES.length} nodes`)).toBeVisible();
    await expect(page.getByText(/storage: TimescaleDB \(embedded\)/)).toBeVisible();

    const table = page.getByRole('table', { name: 'Probe nodes' });
    // One header row plus one row per node.
    await expect(table.getByRole('row')).toHaveCount(DEMO_NODES.length + 1);
    for (const node of DEMO_NODES) {
      await expect(table.getByRole('rowheader', { name: new RegExp(node.nodeName) })).toBeVisible();
    }

    const accra = table.getByRole('row', { name: /probe-gh-accra-01/ });
    await expect(accra).toContainText('Accra, Ghana, GH');
    await expect(accra.getByRole('cell').nth(1)).toHaveText(/^\d+\.\d ms$/);
    await expect(accra.getByRole('cell').nth(2)).toHaveText(/^\d+\.\d\d %$/);
    await expect(accra.getByRole('cell').last()).toHaveText(/(\d+ s|[0-4] min) ago/);

    // A probe that stopped reporting 40 minutes before the seed is shown as stale, not hidden.
    const silent = table.getByRole('row', { name: /probe-ke-eldoret-01/ });
    await expect(silent.getByRole('cell').last()).toHaveText(/4\d min ago/);
    // The decommissioned node is still listed, marked inactive.
    await expect(table.getByRole('rowheader', { name: /probe-et-addis-01 · inactive/ })).toBeVisible();

    await testInfo.attach('home', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  });
});
