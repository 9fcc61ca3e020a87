'use client';

import dynamic from 'next/dynamic';
import './admin.css';

const LeafletLocationPicker = dynamic(() => import('@/components/admin/leaflet-location-picker'), {
  ssr: false,
  loading: () => (
    <div className="location-picker-canvas location-picker-loading" role="status">
      Loading map…
    </div>
  ),
});

export interface LocationPickerProps {
  /** The form's current text, as typed: the marker follows it when it is a valid pair. */
  latitude: string;
  longitude: string;
  onPick(latitude: string, longitude: string): void;
  tileUrl?: string;
  tileAttribution?: string;
}

const inRange = (text: string, limit: number) => {
  const n = text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
};

/**
 * A small map beside the Latitude/Longitude inputs: a click fills both (rounded to the column's
 * 6 decimals, about 0.1 m). The inputs stay the way to enter a place by keyboard. Offline like
 * the overview map: country borders from world-atlas, tiles only when a tile URL is configured.
 */
export function LocationPicker({ latitude, longitude, onPick, tileUrl, tileAttribution }: LocationPickerProps) {
  const lat = inRange(latitude, 90);
  const lon = inRange(longitude, 180);
  return (
    <div className="location-picker admin-field--wide" role="region" aria-label="Pick location on map">
      <LeafletLocationPicker
        position={lat !== null && lon !== null ? [lat, lon] : null}
        onPick={(a, b) => onPick(String(Number(a.toFixed(6))), String(Number(b.toFixed(6))))}
        tileUrl={tileUrl || undefined}
        tileAttribution={tileAttribution}
      />
      <p className="admin-field-hint">Click the map to set latitude and longitude, or type them above.</p>
    </div>
  );
}
