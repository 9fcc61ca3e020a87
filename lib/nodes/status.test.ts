import { describe, expect, it } from 'vitest';
import { countByStatus, deriveNodeStatus, type StatusInput } from './status';

/** The documented rules (README "Node status"), boundary by boundary. */
const NOW = new Date('2025-11-24T16:35:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const healthy = { latencyMs: 45.23, uptimePct: 99.95, packetLoss: 0.12 };
const node = (overrides: Partial<StatusInput> = {}): StatusInput => ({ isActive: true, lastSampleAt: ago(60_000), latest: healthy, ...overrides });

describe('deriveNodeStatus', () => {
  it('a fresh, healthy sample is up', () => {
    expect(deriveNodeStatus(node(), NOW)).toBe('up');
  });

  it('down after 3 missed 60 s intervals: 180 s is still up, a millisecond more is down', () => {
    expect(deriveNodeStatus(node({ lastSampleAt: ago(180_000) }), NOW)).toBe('up');
    expect(deriveNodeStatus(node({ lastSampleAt: ago(180_001) }), NOW)).toBe('down');
    expect(deriveNodeStatus(node({ lastSampleAt: ago(86_400_000) }), NOW)).toBe('down');
  });

  it('a node that never sent a sample is down', () => {
    expect(deriveNodeStatus(node({ lastSampleAt: null, latest: null }), NOW)).toBe('down');
  });

  it('a sample from a probe whose clock runs a little fast counts as fresh', () => {
    expect(deriveNodeStatus(node({ lastSampleAt: ago(-30_000) }), NOW)).toBe('up');
  });

  it.each([
    ['latency 250 ms', { latencyMs: 250 }, 'up'],
    ['latency 250.01 ms', { latencyMs: 250.01 }, 'degraded'],
    ['packet loss 2 %', { packetLoss: 2 }, 'up'],
    ['packet loss 2.01 %', { packetLoss: 2.01 }, 'degraded'],
    ['uptime 99 %', { uptimePct: 99 }, 'up'],
    ['uptime 98.99 %', { uptimePct: 98.99 }, 'degraded'],
    ['packet loss 100 % without latency', { latencyMs: null, packetLoss: 100 }, 'degraded'],
    ['no values reported at all', { latencyMs: null, uptimePct: null, packetLoss: null }, 'up'],
  ] as const)('%s → %s', (_label, values, status) => {
    expect(deriveNodeStatus(node({ latest: { ...healthy, ...values } }), NOW)).toBe(status);
  });

  it('down wins over degraded: a stale bad sample says nothing about now', () => {
    expect(deriveNodeStatus(node({ lastSampleAt: ago(600_000), latest: { ...healthy, latencyMs: 900 } }), NOW)).toBe('down');
  });

  it('inactive wins over everything', () => {
    expect(deriveNodeStatus(node({ isActive: false }), NOW)).toBe('inactive');
    expect(deriveNodeStatus(node({ isActive: false, lastSampleAt: null, latest: null }), NOW)).toBe('inactive');
    expect(deriveNodeStatus(node({ isActive: false, latest: { ...healthy, packetLoss: 50 } }), NOW)).toBe('inactive');
  });

  it('countByStatus reports every status, zero included', () => {
    expect(countByStatus(['up', 'down', 'up'])).toEqual({ up: 2, degraded: 0, down: 1, inactive: 0 });
  });
});
