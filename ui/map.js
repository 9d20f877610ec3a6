// map.js: the route map, set up one way for every page that draws one (a
// workout's page, the recording phone, the spectators' and the owner's
// other screens). Leaflet loads the first time a map is drawn (lazy.js).
import { leaflet } from './lazy.js';
import { session } from './session.js';
import { color } from './theme.js';

/**
 * tileLayer is the map's background as this fitcast is set up (-tiles):
 * OpenStreetMap unless the self-hoster chose another tile server, with
 * that server's credit.
 */
function tileLayer(L) {
  const tiles = session.instance?.tiles || {};
  return L.tileLayer(tiles.url || 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19,
    attribution: tiles.attribution ?? '© OpenStreetMap contributors',
  });
}

/**
 * routeMap builds a map in el, which must be in the page (Leaflet measures
 * it), with the tiles and an empty route line of the given weight. When
 * the tiles cannot load (no network, blocked) the route still shows on
 * the plain background. It resolves to
 *   show(points, {maxZoom, ends}) draws the route ([lat, lon] each) and
 *     fits the map to it; ends marks its start and its end;
 *   follow(point, zoom) adds a point to the route and centres on it;
 *   map, L: Leaflet's own, for anything more.
 */
export async function routeMap(el, { weight = 5, zoomControl = true } = {}) {
  const L = await leaflet();
  const map = L.map(el, { zoomControl, attributionControl: true });
  tileLayer(L).addTo(map);
  const line = L.polyline([], { color: color('route'), weight }).addTo(map);
  let viewSet = false;
  return {
    L, map,
    show(points, { maxZoom, ends = false } = {}) {
      line.setLatLngs(points);
      if (ends && points.length) {
        L.circleMarker(points[0], { radius: 6, color: color('route-start'), fillOpacity: 1 }).addTo(map);
        L.circleMarker(points[points.length - 1], { radius: 6, color: color('route-end'), fillOpacity: 1 }).addTo(map);
      }
      if (points.length) map.fitBounds(line.getBounds(), { padding: [16, 16], maxZoom });
    },
    follow(point, zoom = 16) {
      if (!viewSet) map.setView(point, zoom);
      viewSet = true;
      line.addLatLng(point);
      map.panTo(point);
    },
  };
}
