import L from 'leaflet';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { feature } from 'topojson-client';
import { DEFAULT_FAN_OUT, fanOut } from '@/components/map/fan-out';
import { markerLabel, tooltipLines, type PlottableNode } from '@/components/map/map-node';
import { NODE_STATUSES, STATUS_COLORS, STATUS_PAINT_ORDER, type NodeStatus } from '@/components/status-colors';

/**
 * Everything Leaflet, kept out of React: the component creates one controller per map and hands
 * it each new node list. Markers are updated in place (not rebuilt) so an auto-refresh neither
 * closes an open tooltip nor moves keyboard focus.
 */
const AFRICA: L.LatLngBoundsExpression = [
  [-35, -20],
  [38, 52],
];
const RADIUS: Record<NodeStatus, number> = { down: 8, degraded: 7, up: 6, inactive: 5 };
/**
 * Country borders as a static asset, not a JavaScript chunk: the bundler emits the package's file
 * under /_next/static/media with a content hash (cached immutable), so its ~38 KB gzipped stay out
 * of the page's JavaScript budget and parse as JSON, after the markers are already on screen.
 */
const ATLAS_URL = new URL('world-atlas/countries-110m.json', import.meta.url);
const ANTARCTICA_ID = '010';
const STATUS_CLASSES = NODE_STATUSES.map((s) => `node-marker--${s}`);

export interface MapControllerOptions {
  tileUrl?: string;
  tileAttribution?: string;
  onSelect: (nodeId: string) => void;
}

interface MarkerEntry {
  node: PlottableNode;
  marker: L.CircleMarker;
}

export class NodeMapController {
  private readonly map: L.Map;
  private readonly markerLayer = L.layerGroup();
  private readonly legLayer = L.layerGroup();
  private readonly entries = new Map<string, MarkerEntry>();
  private fitted = false;
  private destroyed = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly options: MapControllerOptions,
  ) {
    this.map = L.map(container, { minZoom: 2, maxZoom: options.tileUrl ? 18 : 10, zoomSnap: 0.5, worldCopyJump: true, attributionControl: Boolean(options.tileUrl) });
    // Borders sit below the markers whatever order they arrive in (the atlas loads asynchronously).
    this.map.createPane('borders').style.zIndex = '350';
    if (options.tileUrl) {
      L.tileLayer(options.tileUrl, { attribution: options.tileAttribution ?? '', maxZoom: 18 }).addTo(this.map);
    }
    this.legLayer.addTo(this.map);
    this.markerLayer.addTo(this.map);
    this.addResetControl();
    this.map.fitBounds(AFRICA);
    this.map.on('zoomend', () => this.layout());
    container.dataset.mapReady = 'true';
    void this.loadBorders();
  }

  destroy(): void {
    this.destroyed = true;
    this.map.remove();
  }

  setNodes(nodes: readonly PlottableNode[]): void {
    const seen = new Set<string>();
    for (const node of nodes) {
      seen.add(node.id);
      const entry = this.entries.get(node.id);
      if (entry) {
        entry.node = node;
        this.decorate(entry);
      } else {
        this.add(node);
      }
    }
    for (const [id, entry] of this.entries) {
      if (!seen.has(id)) {
        entry.marker.remove();
        this.entries.delete(id);
      }
    }
    if (!this.fitted && nodes.length > 0) this.fitToNodes();
    this.layout();
    this.container.dataset.markers = String(this.entries.size);
  }

  fitToNodes(): void {
    const nodes = [...this.entries.values()].map((e) => e.node);
    if (nodes.length === 0) {
      this.map.fitBounds(AFRICA);
      return;
    }
    this.fitted = true;
    const bounds = L.latLngBounds(nodes.map((n) => [n.latitude, n.longitude] as L.LatLngTuple));
    this.map.fitBounds(bounds, { padding: [48, 48], maxZoom: 7 });
  }

  private add(node: PlottableNode): void {
    const marker = L.circleMarker([node.latitude, node.longitude], { className: 'node-marker', bubblingMouseEvents: false });
    const entry: MarkerEntry = { node, marker };
    // A function, so "last seen" is worked out when the tooltip opens, not when the page loaded.
    marker.bindTooltip(() => tooltipElement(entry.node), { direction: 'top', offset: [0, -8], className: 'node-tooltip' });
    marker.on('click', () => this.options.onSelect(entry.node.id));
    marker.addTo(this.markerLayer);
    const el = marker.getElement();
    if (el) {
      el.setAttribute('tabindex', '0');
      el.setAttribute('role', 'link');
      el.addEventListener('keydown', (event) => {
        const key = (event as KeyboardEvent).key;
        if (key === 'Enter' || key === ' ') {
          event.preventDefault();
          this.options.onSelect(entry.node.id);
        }
      });
      el.addEventListener('focus', () => marker.openTooltip());
      el.addEventListener('blur', () => marker.closeTooltip());
    }
    this.entries.set(node.id, entry);
    this.decorate(entry);
  }

  private decorate({ node, marker }: MarkerEntry): void {
    const color = STATUS_COLORS[node.status];
    const inactive = node.status === 'inactive';
    marker.setRadius(RADIUS[node.status]);
    marker.setStyle({ color: inactive ? color : '#0d1117', weight: 1.5, fillColor: color, fillOpacity: inactive ? 0.35 : 0.95 });
    const el = marker.getElement();
    if (el) {
      el.classList.remove(...STATUS_CLASSES);
      el.classList.add(`node-marker--${node.status}`);
      el.setAttribute('data-node-id', node.id);
      el.setAttribute('data-status', node.status);
      el.setAttribute('aria-label', markerLabel(node));
    }
    if (marker.isTooltipOpen()) marker.setTooltipContent(tooltipElement(node));
  }

  /** Fans out markers that share a place at this zoom, draws a leg to the true point, and stacks worse statuses on top. */
  private layout(): void {
    if (this.destroyed) return;
    const zoom = this.map.getZoom();
    const entries = [...this.entries.values()].sort((a, b) => (a.node.id < b.node.id ? -1 : a.node.id > b.node.id ? 1 : 0));
    const points = entries.map((e) => this.map.project([e.node.latitude, e.node.longitude], zoom));
    const placed = fanOut(points, DEFAULT_FAN_OUT);
    this.legLayer.clearLayers();
    entries.forEach((entry, i) => {
      const p = placed[i]!;
      const latLng = this.map.unproject(L.point(p.x, p.y), zoom);
      entry.marker.setLatLng(latLng);
      entry.marker.getElement()?.setAttribute('data-group-size', String(p.groupSize));
      if (p.groupSize > 1) {
        const anchor = this.map.unproject(L.point(p.anchor.x, p.anchor.y), zoom);
        L.polyline([anchor, latLng], { color: '#8b949e', weight: 1, opacity: 0.5, interactive: false }).addTo(this.legLayer);
      }
    });
    entries
      .sort((a, b) => STATUS_PAINT_ORDER[a.node.status] - STATUS_PAINT_ORDER[b.node.status])
      .forEach((e) => e.marker.bringToFront());
  }

  private addResetControl(): void {
    const control = new L.Control({ position: 'topleft' });
    control.onAdd = () => {
      const button = L.DomUtil.create('button', 'leaflet-bar node-map-reset');
      button.type = 'button';
      button.textContent = '⤢';
      button.title = 'Show all nodes';
      button.setAttribute('aria-label', 'Show all nodes');
      L.DomEvent.disableClickPropagation(button);
      L.DomEvent.on(button, 'click', () => this.fitToNodes());
      return button;
    };
    control.addTo(this.map);
  }

  private async loadBorders(): Promise<void> {
    try {
      const response = await fetch(ATLAS_URL);
      if (!response.ok) throw new Error(`atlas: HTTP ${response.status}`);
      const atlas = (await response.json()) as Topology<{ countries: GeometryCollection }>;
      if (this.destroyed) return;
      const countries = feature(atlas, atlas.objects.countries);
      // Antarctica reaches the pole, which Web Mercator cannot show: it draws as a straight band across the map.
      countries.features = countries.features.filter((f) => f.id !== ANTARCTICA_ID);
      L.geoJSON(countries, {
        pane: 'borders',
        interactive: false,
        style: { color: '#3d4b5c', weight: 0.8, fillColor: '#1a2330', fillOpacity: this.options.tileUrl ? 0 : 1 },
      }).addTo(this.map);
      this.container.dataset.borders = 'loaded';
    } catch {
      // The markers still work on the plain background; say so to tests and to anyone inspecting.
      if (!this.destroyed) this.container.dataset.borders = 'failed';
    }
  }
}

function tooltipElement(node: PlottableNode): HTMLElement {
  const [name, place, status, sample, seen] = tooltipLines(node, new Date());
  const root = document.createElement('div');
  const title = root.appendChild(document.createElement('strong'));
  title.textContent = name ?? '';
  const where = root.appendChild(document.createElement('div'));
  where.textContent = place ?? '';
  const state = root.appendChild(document.createElement('div'));
  state.className = 'node-tooltip-status';
  const dot = state.appendChild(document.createElement('span'));
  dot.className = 'status-dot';
  dot.style.background = STATUS_COLORS[node.status];
  state.append(status ?? '');
  for (const line of [sample, seen]) root.appendChild(document.createElement('div')).textContent = line ?? '';
  return root;
}
