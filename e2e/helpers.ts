import { randomUUID } from 'node:crypto';
import { expect, type APIRequestContext } from '@playwright/test';
import type { NodeJson } from '../lib/nodes/api';
import { ENROLLMENT_KEY } from './constants';

/** GET /api/nodes, as the dashboard's reference for statuses. */
export async function apiNodes(request: APIRequestContext): Promise<NodeJson[]> {
  const res = await request.get('/api/nodes');
  expect(res.status()).toBe(200);
  return ((await res.json()) as { nodes: NodeJson[] }).nodes;
}

/**
 * Creates a node of its own through enrolment (POST /api/push with the e2e enrolment key) with
 * one sample `agoMs` in the past, and waits until the in-process worker has stored it. Enrolled
 * nodes have no coordinates.
 */
export async function enrolNode(request: APIRequestContext, agoMs: number, country = 'GH'): Promise<NodeJson> {
  const nodeId = randomUUID();
  const sample = { node_id: nodeId, country, region: 'Ghana', timestamp: new Date(Date.now() - agoMs).toISOString(), latency_ms: 31.5, uptime_pct: 100, packet_loss: 0.5 };
  const res = await request.post('/api/push', { headers: { authorization: `Bearer ${ENROLLMENT_KEY}` }, data: sample });
  expect(res.status()).toBe(202);
  let node: NodeJson | undefined;
  await expect(async () => {
    const got = await request.get(`/api/nodes/${nodeId}`);
    expect(got.status()).toBe(200);
    node = (await got.json()) as NodeJson;
    expect(node.latest).not.toBeNull();
  }).toPass({ timeout: 20_000 });
  return node!;
}
