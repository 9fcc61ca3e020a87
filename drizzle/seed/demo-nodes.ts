import { createHash } from 'node:crypto';
import type { NodeInput } from '../../lib/nodes/queries';

/**
 * The demo network: real cities of Ghana, Nigeria, Kenya and neighbours, with the kind of
 * hardware small probe sites run. `profile` drives the sample generator.
 */
export interface DemoNode extends NodeInput {
  utcOffsetHours: number;
  baseLatencyMs: number;
  target: { host: string; probeType: 'ping' | 'http' | 'tcp' };
}

type Site = [name: string, display: string, country: string, region: string, city: string, lat: number, lon: number, base: number, tags: string[]];

const SITES: Site[] = [
  ['probe-gh-accra-01', 'Accra Data Center 1', 'GH', 'Ghana', 'Accra', 5.6037, -0.187, 18, ['tier1', 'datacenter', 'priority']],
  ['probe-gh-accra-gix', 'Ghana Internet Exchange (GIX)', 'GH', 'Ghana', 'Accra', 5.5560, -0.1969, 6, ['ixp', 'tier1']],
  ['probe-gh-kumasi-01', 'Kumasi Metro POP', 'GH', 'Ghana', 'Kumasi', 6.6885, -1.6244, 24, ['pop', 'metro']],
  ['probe-gh-tamale-01', 'Tamale Northern POP', 'GH', 'Ghana', 'Tamale', 9.4008, -0.8393, 41, ['pop', 'rural']],
  ['probe-gh-takoradi-01', 'Takoradi Coastal POP', 'GH', 'Ghana', 'Sekondi-Takoradi', 4.8845, -1.7554, 29, ['pop', 'coastal']],
  ['probe-gh-capecoast-01', 'Cape Coast University Link', 'GH', 'Ghana', 'Cape Coast', 5.1053, -1.2466, 33, ['campus']],
  ['probe-ng-lagos-ixpn', 'IXPN Lagos', 'NG', 'Nigeria', 'Lagos', 6.4281, 3.4219, 5, ['ixp', 'tier1', 'priority']],
  ['probe-ng-lagos-lekki', 'Lekki Data Center', 'NG', 'Nigeria', 'Lagos', 6.4698, 3.5852, 14, ['datacenter', 'tier1']],
  ['probe-ng-abuja-01', 'Abuja Central POP', 'NG', 'Nigeria', 'Abuja', 9.0765, 7.3986, 27, ['pop', 'government']],
  ['probe-ng-portharcourt-01', 'Port Harcourt POP', 'NG', 'Nigeria', 'Port Harcourt', 4.8156, 7.0498, 31, ['pop', 'energy']],
  ['probe-ng-kano-01', 'Kano Northern POP', 'NG', 'Nigeria', 'Kano', 12.0022, 8.592, 46, ['pop', 'rural']],
  ['probe-ng-ibadan-01', 'Ibadan Metro POP', 'NG', 'Nigeria', 'Ibadan', 7.3775, 3.947, 22, ['pop', 'metro']],
  ['probe-ng-enugu-01', 'Enugu East POP', 'NG', 'Nigeria', 'Enugu', 6.4584, 7.5464, 35, ['pop']],
  ['probe-ng-benin-01', 'Benin City POP', 'NG', 'Nigeria', 'Benin City', 6.335, 5.6037, 30, ['pop']],
  ['probe-ke-nairobi-kixp', 'KIXP Nairobi', 'KE', 'Kenya', 'Nairobi', -1.2921, 36.8219, 4, ['ixp', 'tier1', 'priority']],
  ['probe-ke-nairobi-dc1', 'Nairobi Data Center 1', 'KE', 'Kenya', 'Nairobi', -1.3190, 36.8516, 12, ['datacenter', 'tier1']],
  ['probe-ke-mombasa-01', 'Mombasa Landing Station', 'KE', 'Kenya', 'Mombasa', -4.0435, 39.6682, 9, ['landing-station', 'tier1']],
  ['probe-ke-kisumu-01', 'Kisumu Lakeside POP', 'KE', 'Kenya', 'Kisumu', -0.0917, 34.768, 28, ['pop']],
  ['probe-ke-nakuru-01', 'Nakuru Rift POP', 'KE', 'Kenya', 'Nakuru', -0.3031, 36.08, 23, ['pop']],
  ['probe-ke-eldoret-01', 'Eldoret North Rift POP', 'KE', 'Kenya', 'Eldoret', 0.5143, 35.2698, 34, ['pop', 'rural']],
  ['probe-tg-lome-01', 'Lomé Gateway', 'TG', 'Togo', 'Lomé', 6.1725, 1.2314, 38, ['neighbour', 'gateway']],
  ['probe-bj-cotonou-01', 'Cotonou Landing Station', 'BJ', 'Benin', 'Cotonou', 6.3703, 2.3912, 36, ['neighbour', 'landing-station']],
  ['probe-ci-abidjan-01', 'Abidjan Data Center', 'CI', "Côte d'Ivoire", 'Abidjan', 5.36, -4.0083, 44, ['neighbour', 'datacenter']],
  ['probe-bf-ouagadougou-01', 'Ouagadougou POP', 'BF', 'Burkina Faso', 'Ouagadougou', 12.3714, -1.5197, 72, ['neighbour', 'rural']],
  ['probe-ug-kampala-01', 'Kampala UIXP', 'UG', 'Uganda', 'Kampala', 0.3476, 32.5825, 26, ['neighbour', 'ixp']],
  ['probe-tz-daressalaam-01', 'Dar es Salaam Landing Station', 'TZ', 'Tanzania', 'Dar es Salaam', -6.7924, 39.2083, 21, ['neighbour', 'landing-station']],
  ['probe-rw-kigali-01', 'Kigali Data Center', 'RW', 'Rwanda', 'Kigali', -1.9441, 30.0619, 33, ['neighbour', 'datacenter']],
  ['probe-et-addis-01', 'Addis Ababa POP (decommissioning)', 'ET', 'Ethiopia', 'Addis Ababa', 9.0054, 38.7636, 58, ['neighbour', 'decommissioning']],
];

const UTC_OFFSET: Record<string, number> = { GH: 0, NG: 1, KE: 3, TG: 0, BJ: 1, CI: 0, BF: 0, UG: 3, TZ: 3, RW: 2, ET: 3 };
const HARDWARE = [
  { cpu: '2 cores', ram: '4GB', os: 'Ubuntu 22.04', model: 'Raspberry Pi 4' },
  { cpu: '4 cores', ram: '8GB', os: 'Debian 12', model: 'PC Engines APU2' },
  { cpu: '4 cores', ram: '16GB', os: 'Ubuntu 24.04', model: 'Dell OptiPlex 3000 Micro' },
  { cpu: '2 cores', ram: '2GB', os: 'OpenWrt 23.05', model: 'MikroTik hEX S (container)' },
];
const TARGETS: DemoNode['target'][] = [
  { host: 'google.com', probeType: 'http' },
  { host: '1.1.1.1', probeType: 'ping' },
  { host: 'dns.quad9.net', probeType: 'tcp' },
];

/** Stable ids, so re-seeding finds the same nodes and links to a node stay valid across demos. */
export function demoNodeId(name: string): string {
  const h = createHash('sha1').update(`fiberstack-demo:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const DEMO_NODES: DemoNode[] = SITES.map(([name, display, country, region, city, lat, lon, base, tags], i) => ({
  nodeId: demoNodeId(name),
  nodeName: name,
  displayName: display,
  country,
  region,
  city,
  latitude: lat,
  longitude: lon,
  isActive: !tags.includes('decommissioning'),
  probeVersion: i % 5 === 0 ? '0.1.0' : '0.2.1',
  hardwareInfo: HARDWARE[i % HARDWARE.length]!,
  tags,
  utcOffsetHours: UTC_OFFSET[country] ?? 0,
  baseLatencyMs: base,
  target: TARGETS[i % TARGETS.length]!,
}));
