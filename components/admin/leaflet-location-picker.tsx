'use client';

import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import { useEffect, useRef } from 'react';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { feature } from 'topojson-client';

export interface LeafletLocationPickerProps {
  position: [number, number] | null;
  onPick(latitude: number, longitude: number): void;
  tileUrl?: string;
  tileAttribution?: string;
}

const AFRICA: L.LatLngBoundsExpression = [
  [-35, -20],
  [38, 52],
];
// As in components/map/leaflet-controller.ts: the atlas is a hashed static asset, fetched, not bundled.
const ATLAS_URL = new URL('world-atlas/countries-110m.json', import.meta.url);
const ANTARCTICA_ID = '010';
const MARKER_STYLE: L.CircleMarkerOptions = { radius: 7, color: '#0d1117', weight: 2, fillColor: '#58a6ff', fillOpacity: 1, interactive: false };

/** Loaded only in the browser (next/dynamic, ssr: false) from location-picker.tsx: Leaflet needs `window`. */
export default function LeafletLocationPicker({ position, onPick, tileUrl, tileAttribution }: LeafletLocationPickerProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const mapRef = useRef<L.Map | null>(null);
  const markerRef = useRef<L.CircleMarker | null>(null);
  const onPickRef = useRef(onPick);
  const initialRef = useRef(position);

  useEffect(() => {
    onPickRef.current = onPick;
  }, [onPick]);

  useEffect(() => {
    const container = containerRef.current!;
    const map = L.map(container, { minZoom: 1, maxZoom: tileUrl ? 18 : 10, zoomSnap: 0.5, worldCopyJump: true, attributionControl: Boolean(tileUrl) });
    let destroyed = false;
    map.createPane('borders').style.zIndex = '350';
    if (tileUrl) L.tileLayer(tileUrl, { attribution: tileAttribution ?? '', maxZoom: 18 }).addTo(map);
    const start = initialRef.current;
    if (start) map.setView(start, 5);
    else map.fitBounds(AFRICA);
    // wrap(): after panning across the antimeridian Leaflet reports longitudes beyond ±180.
    map.on('click', (e: L.LeafletMouseEvent) => {
      const at = e.latlng.wrap();
      onPickRef.current(Math.max(-90, Math.min(90, at.lat)), at.lng);
    });
    mapRef.current = map;
    container.dataset.mapReady = 'true';
    void (async () => {
      try {
        const response = await fetch(ATLAS_URL);
        if (!response.ok) throw new Error(`atlas: HTTP ${response.status}`);
        const atlas = (await response.json()) as Topology<{ countries: GeometryCollection }>;
        if (destroyed) return;
        const countries = feature(atlas, atlas.objects.countries);
        countries.features = countries.features.filter((f) => f.id !== ANTARCTICA_ID);
        L.geoJSON(countries, {
          pane: 'borders',
          interactive: false,
          style: { color: '#3d4b5c', weight: 0.8, fillColor: '#1a2330', fillOpacity: tileUrl ? 0 : 1 },
        }).addTo(map);
        container.dataset.borders = 'loaded';
      } catch {
        // Clicking still works on the plain background.
        if (!destroyed) container.dataset.borders = 'failed';
      }
    })();
    return () => {
      destroyed = true;
      markerRef.current = null;
      mapRef.current = null;
      map.remove();
    };
  }, [tileUrl, tileAttribution]);

  const lat = position?.[0];
  const lon = position?.[1];
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    if (lat === undefined || lon === undefined) {
      markerRef.current?.remove();
      markerRef.current = null;
      return;
    }
    if (markerRef.current) markerRef.current.setLatLng([lat, lon]);
    else markerRef.current = L.circleMarker([lat, lon], MARKER_STYLE).addTo(map);
    if (!map.getBounds().contains([lat, lon])) map.panTo([lat, lon]);
  }, [lat, lon]);

  return <div ref={containerRef} className="location-picker-canvas" data-testid="location-picker-canvas" />;
}
