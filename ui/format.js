// format.js: numbers and times as the user wants to see them. Everything
// arrives in SI units and UTC; the user's settings decide the rest.
import { session } from './session.js';

const KM = 1000;
const MILE = 1609.344;

const imperial = () => session.me?.units === 'imperial';
const zone = () => session.me?.timezone || undefined;

/** distance formats metres as "12.34 km" or "7.67 mi". */
export function distance(m) {
  if (m == null) return '—';
  return imperial() ? `${(m / MILE).toFixed(2)} mi` : `${(m / KM).toFixed(2)} km`;
}

/** distanceUnit is the unit long distances are entered in. */
export function distanceUnit() {
  return imperial() ? 'mi' : 'km';
}

/** toMetres converts an entered distance to metres. */
export function toMetres(v) {
  return v * (imperial() ? MILE : KM);
}

/** fromMetres converts metres to the entry unit. */
export function fromMetres(m) {
  return m / (imperial() ? MILE : KM);
}

/** elevation formats metres as "120 m" or "394 ft". */
export function elevation(m) {
  if (m == null) return '—';
  return imperial() ? `${Math.round(m * 3.28084)} ft` : `${Math.round(m)} m`;
}

/** weight formats kilograms as "100 kg" or "220.5 lb". */
export function weight(kg) {
  if (kg == null) return '—';
  return imperial() ? `${+(kg * 2.20462).toFixed(1)} lb` : `${+kg.toFixed(1)} kg`;
}

export function weightUnit() {
  return imperial() ? 'lb' : 'kg';
}

export function toKg(v) {
  return imperial() ? v / 2.20462 : v;
}

export function fromKg(kg) {
  return imperial() ? kg * 2.20462 : kg;
}

/** duration formats seconds as "1:02:03" or "45:10". */
export function duration(s) {
  if (s == null) return '—';
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** pace formats a speed in m/s as "5:12 /km" (or /mi). */
export function pace(metres, seconds) {
  if (!metres || !seconds) return '—';
  const per = imperial() ? MILE : KM;
  return `${duration((seconds / metres) * per)} /${distanceUnit()}`;
}

/** speed formats metres over seconds as "28.4 km/h" or "17.6 mph". */
export function speed(metres, seconds) {
  if (!metres || !seconds) return '—';
  const mps = metres / seconds;
  return imperial() ? `${(mps * 2.23694).toFixed(1)} mph` : `${(mps * 3.6).toFixed(1)} km/h`;
}

// ---- Pace or speed, by sport ------------------------------------------------
//
// The one rule for how fast a workout went, used by every page: runs,
// walks and hikes in time per km or mile; rides in km/h or mph; swims in
// time per 100 m or 100 yd; rows in time per 500 m. A sport says which
// (its "measure" in GET /api/sports, set in catalog.go); built-in keys are
// known here too, for pages that have no catalog (a spectator's).

const MEASURES = {
  run: 'pace', trail_run: 'pace', walk: 'pace', hike: 'pace', xc_ski: 'pace', elliptical: 'pace',
  ride: 'speed', mtb: 'speed', ski: 'speed', swim: 'pace_100m', row: 'pace_500m',
};

/** measureOf is a sport's measure: from a sport object, or a key, or pace. */
export function measureOf(sport) {
  if (sport && typeof sport === 'object') return sport.measure || MEASURES[sport.key] || 'pace';
  return MEASURES[sport] || 'pace';
}

/**
 * rateUnit is what one pace is per, for a measure: {per: metres, label}
 * ("/km", "/100 m"), or null for speed.
 */
function rateUnit(measure) {
  switch (measure) {
    case 'speed': return null;
    case 'pace_100m': return imperial() ? { per: 91.44, label: '/100 yd' } : { per: 100, label: '/100 m' };
    case 'pace_500m': return { per: 500, label: '/500 m' };
  }
  return imperial() ? { per: MILE, label: '/mi' } : { per: KM, label: '/km' };
}

/** rateName is the word for the figure: "Pace" or "Speed". */
export function rateName(sport) {
  return measureOf(sport) === 'speed' ? 'Speed' : 'Pace';
}

/**
 * rateValue is the figure as a number for charts: seconds per unit for a
 * pace, km/h or mph for a speed; null when it means nothing.
 */
export function rateValue(sport, metres, seconds) {
  if (!metres || !seconds || metres <= 0 || seconds <= 0) return null;
  const u = rateUnit(measureOf(sport));
  if (!u) return (metres / seconds) * (imperial() ? 2.23694 : 3.6);
  return (seconds / metres) * u.per;
}

/** rateFormat formats a rateValue: "5:12 /km", "25.6 km/h", "1:48 /100 m". */
export function rateFormat(sport, v, { unit = true } = {}) {
  if (v == null || !Number.isFinite(v)) return '—';
  const u = rateUnit(measureOf(sport));
  if (!u) return unit ? `${v.toFixed(1)} ${imperial() ? 'mph' : 'km/h'}` : v.toFixed(1);
  return unit ? `${duration(v)} ${u.label}` : duration(v);
}

/** rateAxisUnit names the unit of a rate chart's axis: "min/km", "km/h". */
export function rateAxisUnit(sport) {
  const u = rateUnit(measureOf(sport));
  if (!u) return imperial() ? 'mph' : 'km/h';
  return 'min' + u.label;
}

/** isPace reports whether lower figures are faster (a pace, not a speed). */
export function isPace(sport) {
  return measureOf(sport) !== 'speed';
}

/** rate formats how fast metres in seconds were, as the sport is read. */
export function rate(sport, metres, seconds) {
  return rateFormat(sport, rateValue(sport, metres, seconds));
}

/** humanize makes a key readable where no name is at hand: "trail_run" is "Trail run". */
export function humanize(key) {
  const s = String(key ?? '').replaceAll('_', ' ');
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** plural is "1 workout", "2 workouts"; many defaults to word + "s". */
export function plural(n, word, many = word + 's') {
  return `${n} ${n === 1 ? word : many}`;
}

/** dateTime formats an RFC 3339 time in the user's time zone. */
export function dateTime(iso) {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone() }).format(new Date(iso));
}

/** day formats an RFC 3339 time as a short date in the user's time zone. */
export function day(iso) {
  return new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', timeZone: zone() }).format(new Date(iso));
}

/** localDate is the YYYY-MM-DD of a moment in the user's time zone. */
export function localDate(d) {
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone() }).format(d);
}

/** localInput formats a moment for <input type=datetime-local> in the user's zone. */
export function localInput(d) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone(),
  }).formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/**
 * fromLocalInput turns a datetime-local value, read in the user's zone,
 * into an RFC 3339 string. It finds the zone's offset at that moment.
 */
export function fromLocalInput(value) {
  const guess = new Date(value + 'Z'); // as if UTC
  const shown = new Date(localInput(guess) + 'Z');
  const offset = shown - guess; // how far the zone is ahead of UTC then
  return new Date(guess.getTime() - offset).toISOString();
}
