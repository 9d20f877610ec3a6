// format.js: numbers and times as the user wants to see them. Everything
// arrives in SI units and UTC; the user's settings decide the rest.
import { app } from './app.js';

const KM = 1000;
const MILE = 1609.344;

const imperial = () => app.me?.units === 'imperial';
const zone = () => app.me?.timezone || undefined;

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
