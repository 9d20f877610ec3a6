// track.js: a workout's time series as a chart (uPlot) and a route map
// (Leaflet, through map.js). Both take the column shape of GET /api/workouts/{id}/samples,
// and both load their library only when first drawn (lazy.js).
import { h } from './dom.js';
import * as f from './format.js';
import { session } from './session.js';
import { leaflet, uplot } from './lazy.js';
import { routeMap } from './map.js';
import { color } from './theme.js';

const has = (col) => col && col.some((v) => v != null);

/** hasRoute reports whether the samples carry positions. */
export function hasRoute(cols) {
  return has(cols.lat);
}

/**
 * rateColumn is pace or speed at each sample, as the sport is read
 * (format.js), smoothed over 30 s of distance, since GPS jitter makes
 * point-to-point figures noise.
 */
function rateColumn(cols, sport) {
  return cols.t.map((t, i) => {
    let j = i;
    while (j > 0 && t - cols.t[j] < 30) j--;
    const d = cols.dist[i] - cols.dist[j];
    const s = t - cols.t[j];
    if (!(d > 1)) return null;
    const v = f.rateValue(sport, d, s);
    // Slower than an hour per unit is standing still, not a pace.
    return f.isPace(sport) && v > 3600 ? null : v;
  });
}

/**
 * chart draws heart rate, pace (or speed) and elevation against time, each
 * axis labelled with its unit. It resolves to null when there is nothing
 * to draw.
 */
export async function chart(cols, width, sport) {
  const series = [{ label: 'Time', value: (u, v) => (v == null ? '—' : f.duration(v)) }];
  const data = [cols.t];
  const axes = [{ label: 'Time (h:mm:ss)', labelSize: 16, values: (u, vals) => vals.map((v) => f.duration(v)), stroke: 'currentColor' }];
  const scales = { x: { time: false } };
  if (has(cols.hr)) {
    series.push({ label: 'Heart rate', stroke: color('chart-hr'), width: 1.5, scale: 'bpm', value: (u, v) => (v == null ? '—' : `${Math.round(v)} bpm`) });
    data.push(cols.hr);
    axes.push({ scale: 'bpm', label: 'bpm', labelSize: 16, stroke: color('chart-hr'), size: 40 });
  }
  if (has(cols.dist)) {
    const name = f.rateName(sport);
    series.push({ label: name, stroke: color('chart-rate'), width: 1.5, scale: 'rate', value: (u, v) => f.rateFormat(sport, v) });
    data.push(rateColumn(cols, sport));
    axes.push({ scale: 'rate', side: 1, label: `${name} (${f.rateAxisUnit(sport)})`, labelSize: 16, stroke: color('chart-rate'), size: 50, grid: { show: false },
      values: (u, vals) => vals.map((v) => f.rateFormat(sport, v, { unit: false })) });
    if (f.isPace(sport)) scales.rate = { dir: -1 }; // a faster pace is higher
  }
  if (has(cols.alt)) {
    const feet = session.me?.units === 'imperial';
    series.push({ label: 'Elevation', stroke: color('chart-elevation'), fill: color('chart-elevation-fill'), width: 1, scale: 'm', value: (u, v) => (v == null ? '—' : f.elevation(v)) });
    data.push(cols.alt);
    if (!has(cols.hr)) axes.push({ scale: 'm', label: feet ? 'ft' : 'm', labelSize: 16, stroke: color('chart-elevation'), size: 44, values: (u, vals) => vals.map((v) => String(Math.round(feet ? v * 3.28084 : v))) });
  }
  if (data.length === 1) return null;
  const uPlot = await uplot();
  const el = h('div', { className: 'chart' });
  const plot = new uPlot({
    width, height: 220, series, axes, scales,
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
  }, data, el);
  el.plot = plot;
  return el;
}

/**
 * map draws the route on the map tiles. When tiles cannot load (no
 * network, blocked) the route still shows on the plain background.
 */
export function map(cols) {
  const points = [];
  for (let i = 0; i < cols.t.length; i++) {
    if (cols.lat[i] != null && cols.lon[i] != null) points.push([cols.lat[i], cols.lon[i]]);
  }
  if (points.length < 2) return null;
  const el = h('div', { className: 'map', role: 'img', 'aria-label': 'Route map' });
  // Leaflet measures its container, so it is built once the element is in the page.
  leaflet().then(() => requestAnimationFrame(async () => {
    (await routeMap(el, { weight: 4 })).show(points, { ends: true });
  }));
  return el;
}
