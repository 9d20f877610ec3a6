// track.js: a workout's time series as a chart (uPlot) and a route map
// (Leaflet). Both take the column shape of GET /api/workouts/{id}/samples.
import uPlot from './vendor/uplot/uPlot.esm.js';
import * as L from './vendor/leaflet/leaflet-src.esm.js';
import { h } from './dom.js';
import { duration, distanceUnit } from './format.js';
import { app } from './app.js';

const has = (col) => col && col.some((v) => v != null);

/** hasRoute reports whether the samples carry positions. */
export function hasRoute(cols) {
  return has(cols.lat);
}

/**
 * chart draws heart rate, pace and elevation against time. Pace is smoothed
 * over 30 s of distance, since GPS jitter makes point-to-point pace noise.
 */
export function chart(cols, width) {
  const series = [{ label: 'Time', value: (u, v) => (v == null ? '—' : duration(v)) }];
  const data = [cols.t];
  const axes = [{ values: (u, vals) => vals.map((v) => duration(v)), stroke: 'currentColor' }];
  if (has(cols.hr)) {
    series.push({ label: 'Heart rate', stroke: '#e11d48', width: 1.5, scale: 'bpm', value: (u, v) => (v == null ? '—' : `${Math.round(v)} bpm`) });
    data.push(cols.hr);
    axes.push({ scale: 'bpm', stroke: '#e11d48', size: 40 });
  }
  if (has(cols.dist)) {
    const per = distanceUnit() === 'mi' ? 1609.344 : 1000;
    const paceCol = cols.t.map((t, i) => {
      let j = i;
      while (j > 0 && t - cols.t[j] < 30) j--;
      const d = cols.dist[i] - cols.dist[j];
      const s = t - cols.t[j];
      const p = d > 1 ? (s / d) * per : null;
      return p && p < 3600 ? p : null; // slower than an hour per unit is standing still
    });
    series.push({ label: 'Pace', stroke: '#2563eb', width: 1.5, scale: 'pace', value: (u, v) => (v == null ? '—' : `${duration(v)} /${distanceUnit()}`) });
    data.push(paceCol);
    axes.push({ scale: 'pace', side: 1, stroke: '#2563eb', size: 50, grid: { show: false }, values: (u, vals) => vals.map((v) => duration(v)) });
  }
  if (has(cols.alt)) {
    series.push({ label: 'Elevation', stroke: '#16a34a', fill: 'rgba(22,163,74,.12)', width: 1, scale: 'm', value: (u, v) => (v == null ? '—' : `${Math.round(v)} m`) });
    data.push(cols.alt);
  }
  const el = h('div', { className: 'chart' });
  if (data.length === 1) return null;
  const plot = new uPlot({
    width, height: 220, series, axes,
    scales: { x: { time: false }, pace: { dir: -1 } }, // faster pace is higher
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
  }, data, el);
  el.plot = plot;
  return el;
}

/**
 * map draws the route on OpenStreetMap tiles. When tiles cannot load (no
 * network, blocked) the route still shows on the plain background.
 */
export function map(cols) {
  const el = h('div', { className: 'map', role: 'img', 'aria-label': 'Route map' });
  const points = [];
  for (let i = 0; i < cols.t.length; i++) {
    if (cols.lat[i] != null && cols.lon[i] != null) points.push([cols.lat[i], cols.lon[i]]);
  }
  if (points.length < 2) return null;
  // Leaflet measures its container, so it is built once the element is in the page.
  requestAnimationFrame(() => {
    const m = L.map(el, { zoomControl: true, attributionControl: true });
    L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
      maxZoom: 19,
      attribution: '© OpenStreetMap contributors',
    }).addTo(m);
    const line = L.polyline(points, { color: '#0f766e', weight: 4 }).addTo(m);
    L.circleMarker(points[0], { radius: 6, color: '#16a34a', fillOpacity: 1 }).addTo(m);
    L.circleMarker(points[points.length - 1], { radius: 6, color: '#e11d48', fillOpacity: 1 }).addTo(m);
    m.fitBounds(line.getBounds(), { padding: [16, 16] });
  });
  return el;
}

/** units is a short hint of what the chart's axes are in. */
export function chartHint() {
  return `Heart rate (bpm), pace (per ${app.me?.units === 'imperial' ? 'mile' : 'km'}) and elevation over time`;
}
