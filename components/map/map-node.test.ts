import { describe, expect, it } from 'vitest';
import { isPlottable, markerLabel, tooltipLines, type MapNode } from '@/components/map/map-node';

const node: MapNode = {
  id: 'n1',
  name: 'probe-gh-accra-01',
  city: 'Accra',
  country: 'GH',
  latitude: 5.6,
  longitude: -0.19,
  status: 'degraded',
  latencyMs: 42.16,
  packetLoss: 0.5,
  lastSeenAt: '2025-11-24T11:57:00Z',
};

describe('map nodes', () => {
  it('plots only nodes with real coordinates', () => {
    expect(isPlottable(node)).toBe(true);
    expect(isPlottable({ ...node, latitude: null })).toBe(false);
    expect(isPlottable({ ...node, longitude: null })).toBe(false);
    expect(isPlottable({ ...node, latitude: 91 })).toBe(false);
    expect(isPlottable({ ...node, longitude: Number.NaN })).toBe(false);
    expect(isPlottable({ ...node, latitude: 0, longitude: 0 })).toBe(true);
  });

  it('names a marker by node and status', () => {
    expect(markerLabel(node)).toBe('Node probe-gh-accra-01: degraded');
  });

  it('tooltip: name, place, status, last sample and last seen', () => {
    expect(tooltipLines(node, new Date('2025-11-24T12:00:00Z'))).toEqual([
      'probe-gh-accra-01',
      'Accra, GH',
      'Degraded',
      'Latency 42.2 ms · loss 0.50 %',
      'Last seen 3 min ago',
    ]);
    expect(tooltipLines({ ...node, city: null, latencyMs: null, packetLoss: null, lastSeenAt: null }, new Date())).toEqual([
      'probe-gh-accra-01',
      'GH',
      'Degraded',
      'Latency — · loss —',
      'Last seen never',
    ]);
  });
});
