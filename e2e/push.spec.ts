import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ENROLLMENT_KEY } from './constants';

test('a probe enrols, pushes a sample through /api/push, and the home page shows it', async ({ page, request }) => {
  const nodeId = randomUUID();
  const sample = { node_id: nodeId, country: 'GH', region: 'Ghana', timestamp: new Date().toISOString(), latency_ms: 12.34, uptime_pct: 99.5, packet_loss: 0.25 };

  const enrol = await request.post('/api/push', { headers: { authorization: `Bearer ${ENROLLMENT_KEY}` }, data: sample });
  expect(enrol.status()).toBe(202);
  const { node_key: nodeKey } = (await enrol.json()) as { node_key: string };
  expect(nodeKey).toMatch(/^fsp_/);

  const later = { ...sample, timestamp: new Date(Date.now() + 1_000).toISOString(), latency_ms: 23.45 };
  const pushed = await request.post('/api/push', {
    headers: { authorization: `Bearer ${nodeKey}`, 'user-agent': 'fiberstack-probe/9.9.9', 'x-request-id': 'e2e-push-1' },
    data: later,
  });
  expect(pushed.status()).toBe(202);
  expect(await pushed.json()).toMatchObject({ accepted: 1, request_id: 'e2e-push-1' });

  const bad = await request.post('/api/push', { headers: { authorization: `Bearer ${nodeKey}` }, data: { ...later, latency_ms: 10000 } });
  expect(bad.status()).toBe(422);
  expect(bad.headers()['content-type']).toBe('application/problem+json');
  expect((await bad.json()).errors).toEqual([expect.objectContaining({ path: '/latency_ms' })]);

  // The worker runs in-process; its next batch stores the sample.
  const row = page.getByRole('table', { name: 'Probe nodes' }).getByRole('row', { name: new RegExp(`probe-gh-${nodeId}`) });
  await expect(async () => {
    await page.goto('/');
    await expect(row).toContainText('23.4 ms', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });

  // The in-process worker reports its figures through its heartbeat.
  await expect(async () => {
    const health = await request.get('/api/health');
    expect(health.status()).toBe(200);
    const report = (await health.json()) as { status: string; workers: { ingest: { inserted: number } | null }[] };
    expect(report.workers[0]?.ingest?.inserted ?? 0).toBeGreaterThanOrEqual(2);
  }).toPass({ timeout: 20_000 });
});
