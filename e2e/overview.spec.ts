import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { expect, test, type Response } from '@playwright/test';
import { STATUS_COLORS, type NodeStatus } from '../components/status-colors';
import { DEMO_NODES } from '../drizzle/seed/demo-nodes';
import { apiNodes, enrolNode } from './helpers';

test.describe('overview', () => {
  test('KPIs and the node table with every seeded node and the demo stories', async ({ page }, testInfo) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Network overview' })).toBeVisible();
    await expect(page.getByText(/storage: TimescaleDB \(embedded\)/)).toBeVisible();

    const kpis = page.getByRole('region', { name: 'Network now' });
    for (const label of ['Nodes up', 'Nodes degraded', 'Nodes down']) await expect(kpis.getByText(label)).toBeVisible();
    await expect(kpis.locator('[data-kpi="median-latency"] dd')).toHaveText(/^\d+\.\d ms$/);
    await expect(kpis.locator('[data-kpi="mean-packet-loss"] dd')).toHaveText(/^\d+\.\d\d %$/);

    const table = page.getByRole('table', { name: 'Probe nodes' });
    for (const node of DEMO_NODES) {
      await expect(table.getByRole('rowheader', { name: new RegExp(node.nodeName) })).toBeVisible();
    }
    const accra = table.getByRole('row', { name: /probe-gh-accra-01/ });
    await expect(accra).toContainText('Accra, Ghana, GH');
    await expect(accra.getByRole('cell').nth(2)).toHaveText(/^\d+\.\d ms$/);
    await expect(accra.getByRole('img', { name: /^Latency of probe-gh-accra-01, last 24 h: latest/ })).toBeVisible();
    await expect(accra.getByRole('cell').last()).toHaveText(/(\d+ s|[0-4] min) ago/);

    // A probe that stopped reporting 40 minutes before the seed is shown as down and stale, not hidden.
    const silent = table.getByRole('row', { name: /probe-ke-eldoret-01/ });
    await expect(silent).toContainText('Down');
    await expect(silent.getByRole('cell').last()).toHaveText(/\d+ min ago/);
    // The decommissioned node is still listed, marked inactive.
    await expect(table.getByRole('row', { name: /probe-et-addis-01/ })).toContainText('Inactive');

    await page.getByTestId('node-map-canvas').locator('[data-node-id]').first().waitFor();
    await page.screenshot({ path: testInfo.outputPath('overview.png'), fullPage: true });
    await testInfo.attach('overview', { path: testInfo.outputPath('overview.png'), contentType: 'image/png' });
  });

  test('one marker per node with coordinates, coloured by the status the API reports; the others are listed', async ({ page, request }) => {
    const unplaced = await enrolNode(request, 60_000);
    const map = page.getByTestId('node-map-canvas');
    // Statuses move with the live demo (a node turns degraded or down between two reads): compare
    // one page load with the API read right after it, and read both again if a node moved.
    await expect(async () => {
      await page.goto('/');
      await expect(map).toHaveAttribute('data-markers', /\d+/, { timeout: 10_000 });
      const markers = await map.locator('[data-node-id]').evaluateAll((els) =>
        els.map((el) => ({ id: el.getAttribute('data-node-id'), status: el.getAttribute('data-status'), fill: el.getAttribute('fill'), label: el.getAttribute('aria-label') })),
      );
      const nodes = await apiNodes(request);
      const placed = nodes.filter((n) => n.latitude !== null && n.longitude !== null);
      expect(markers.map((m) => m.id).sort()).toEqual(placed.map((n) => n.node_id).sort());
      for (const n of placed) {
        const marker = markers.find((m) => m.id === n.node_id)!;
        expect(marker.status, n.node_name).toBe(n.status);
        expect(marker.fill?.toLowerCase(), n.node_name).toBe(STATUS_COLORS[n.status as NodeStatus]);
        expect(marker.label).toBe(`Node ${n.node_name}: ${n.status}`);
      }
    }).toPass({ timeout: 40_000 });

    // Every seeded node has coordinates; the enrolled one has none and is listed beside the map.
    expect(Number(await map.getAttribute('data-markers'))).toBeGreaterThanOrEqual(DEMO_NODES.length);
    const notOnMap = page.getByRole('region', { name: /Not on the map/ });
    await expect(notOnMap.getByRole('link', { name: unplaced.node_name })).toBeVisible();
    await expect(map.locator(`[data-node-id="${unplaced.node_id}"]`)).toHaveCount(0);

    // The legend counts every node, the unplaced one included.
    const counts = await apiNodes(request);
    const legend = page.getByRole('list', { name: 'Status legend' });
    await expect(legend.locator('[data-status="inactive"]')).toHaveAttribute('data-count', String(counts.filter((n) => n.status === 'inactive').length));
  });

  test('clicking a marker opens its node page', async ({ page }) => {
    const kano = DEMO_NODES.find((n) => n.nodeName === 'probe-ng-kano-01')!;
    await page.goto('/');
    const marker = page.getByRole('link', { name: /^Node probe-ng-kano-01: / });
    await marker.hover();
    await expect(page.locator('.node-tooltip')).toContainText('probe-ng-kano-01');
    await expect(page.locator('.node-tooltip')).toContainText(/Kano, NG.*Latency .* ms · loss .* %.*Last seen/s);
    await marker.click();
    await expect(page).toHaveURL(`/nodes/${kano.nodeId}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Kano Northern POP' })).toBeVisible();
  });

  test('the table filters and sorts through the URL', async ({ page }) => {
    await page.goto('/');
    const filters = page.getByRole('form', { name: 'Filter nodes' });
    await filters.getByLabel('Country').selectOption('KE');
    await filters.getByLabel('Tag').selectOption('pop');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]country=KE/);
    await expect(page).toHaveURL(/[?&]tag=pop/);
    const table = page.getByRole('table', { name: 'Probe nodes' });
    const kenyanPops = DEMO_NODES.filter((n) => n.country === 'KE' && n.tags?.includes('pop'));
    await expect(table.getByRole('rowheader')).toHaveCount(kenyanPops.length);
    await expect(page.getByText(`${kenyanPops.length} of `)).toBeVisible();

    await table.getByRole('link', { name: 'Latency', exact: true }).click();
    await expect(page).toHaveURL(/[?&]sort=latency&dir=desc/);
    await expect(page).toHaveURL(/[?&]country=KE/);
    await expect(table.getByRole('columnheader', { name: /Latency/ }).first()).toHaveAttribute('aria-sort', 'descending');
    const latencies = (await table.locator('tbody tr td:nth-of-type(3)').allTextContents()).map((t) => parseFloat(t));
    const known = latencies.filter((v) => !Number.isNaN(v));
    expect(known).toEqual([...known].sort((a, b) => b - a));

    await filters.getByLabel('Status').selectOption('down');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]status=down/);
    await expect(table.getByRole('row', { name: /probe-ke-eldoret-01/ })).toBeVisible();
    for (const status of await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))) expect(status).toBe('down');

    // The search box finds a node by name, display name or city, in any case, among every node.
    await page.getByRole('link', { name: 'Clear' }).click();
    await expect(page).not.toHaveURL(/[?&]country=/);
    // The selects show the cleared filters too (they kept the old ones before the form was keyed).
    await expect(filters.getByLabel('Country')).toHaveValue('');
    await expect(filters.getByLabel('Status')).toHaveValue('');
    const kano = DEMO_NODES.filter((n) => `${n.nodeName} ${n.displayName ?? ''} ${n.city ?? ''}`.toLowerCase().includes('kano'));
    expect(kano.length).toBeGreaterThan(0);
    await filters.getByRole('searchbox', { name: 'Search' }).fill('KANO');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]q=KANO/);
    await expect(table.getByRole('rowheader')).toHaveCount(kano.length);
    await expect(table.getByRole('row', { name: /probe-ng-kano-01/ })).toBeVisible();
    await expect(filters.getByRole('status')).toHaveText(new RegExp(`^${kano.length} of \\d+ nodes$`));
  });

  test('ships less than 250 KB of JavaScript (gzipped), map included', async ({ page }, testInfo) => {
    // Every script the page loads, the map's lazily loaded chunks included, gzipped as served.
    const measure = async (url: string, ready: () => Promise<void>) => {
      const scripts: Response[] = [];
      const onResponse = (r: Response) => {
        if (r.request().resourceType() === 'script' && r.ok()) scripts.push(r);
      };
      page.on('response', onResponse);
      await page.goto(url);
      await ready();
      await page.waitForLoadState('networkidle');
      page.off('response', onResponse);
      const chunks = await Promise.all(scripts.map(async (r) => ({ url: new URL(r.url()).pathname, gzip: gzipSync(await r.body()).length })));
      const total = chunks.reduce((n, c) => n + c.gzip, 0);
      return { url, total_gzip_bytes: total, total_gzip_kb: +(total / 1024).toFixed(1), chunks: chunks.sort((a, b) => b.gzip - a.gzip) };
    };
    const overview = await measure('/', () => expect(page.getByTestId('node-map-canvas')).toHaveAttribute('data-borders', 'loaded'));
    const kano = DEMO_NODES.find((n) => n.nodeName === 'probe-ng-kano-01')!;
    const nodePage = await measure(`/nodes/${kano.nodeId}`, () => expect(page.locator('.chart-plot[data-rendered="true"]')).toHaveCount(3));
    console.log(`JavaScript, gzipped: overview ${overview.total_gzip_kb} KB in ${overview.chunks.length} chunks; node page ${nodePage.total_gzip_kb} KB in ${nodePage.chunks.length} chunks`);
    const report = testInfo.outputPath('page-js.json');
    writeFileSync(report, JSON.stringify({ overview, nodePage }, null, 2));
    await testInfo.attach('page-js.json', { path: report, contentType: 'application/json' });
    expect(overview.total_gzip_bytes).toBeLessThan(250 * 1024);
  });
});
