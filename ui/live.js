// live.js: recording a session from the phone, and the spectator page.
// Samples are kept in IndexedDB until the server acknowledges them (after
// commit), so a tunnel or a lift loses nothing: they go out on reconnect,
// and the server counts a resent one only once.
import { api } from './api.js';
import { h, append, toast } from './dom.js';
import { app } from './app.js';
import * as f from './format.js';
import { chart, tileLayer } from './track.js';
import { leaflet } from './lazy.js';
import { icon } from './icons.js';
import { showZone } from './training.js';

const MAX_ACCURACY_M = 50; // GPS fixes less precise than this are skipped
const SEND_OWN_MS = 2000; // how often samples go up while the owner's other screens watch
const SEND_MS = 15000; // and otherwise

// ---- The sample queue ------------------------------------------------------

function openQueue() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('fitcast-live', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('samples', { keyPath: ['session', 't'] });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function tx(db, mode, fn) {
  return new Promise((resolve, reject) => {
    const t = db.transaction('samples', mode);
    const out = fn(t.objectStore('samples'));
    t.oncomplete = () => resolve(out?.result ?? out);
    t.onerror = () => reject(t.error);
  });
}

class SampleQueue {
  constructor(db, session) {
    this.db = db;
    this.session = session;
  }

  add(sample) {
    return tx(this.db, 'readwrite', (s) => s.put({ session: this.session, ...sample }));
  }

  async oldest(n) {
    const range = IDBKeyRange.bound([this.session, -Infinity], [this.session, Infinity]);
    const all = await tx(this.db, 'readonly', (s) => s.getAll(range, n));
    return all.map(({ session, ...sample }) => sample);
  }

  count() {
    const range = IDBKeyRange.bound([this.session, -Infinity], [this.session, Infinity]);
    return tx(this.db, 'readonly', (s) => s.count(range));
  }

  remove(samples) {
    return tx(this.db, 'readwrite', (s) => samples.forEach((x) => s.delete([this.session, x.t])));
  }
}

// ---- Recording ------------------------------------------------------------

const LIVE_SPORTS = ['run', 'ride', 'walk', 'hike', 'swim', 'row', 'hiit', 'strength'];
const GPS_SPORTS = new Set(['run', 'ride', 'walk', 'hike']); // outdoors unless told otherwise
const REST_CHOICES = [60, 90, 120, 180];

// Whether a session records GPS is chosen at the start and kept per
// session, so reopening the page mid-session keeps the choice.
const gpsKey = (id) => `fitcast-live-gps:${id}`;

export async function livePage(main) {
  const sessions = await api('GET', '/api/live');
  if (sessions.length) {
    // The device that started a session records it; the owner's other
    // screens follow it.
    const s = sessions[0];
    return localStorage.getItem(gpsKey(s.id)) === null ? followOwnSession(main, s) : recording(main, s);
  }
  let sport = 'run';
  const catalog = await api('GET', '/api/sports');
  const nameOf = (k) => catalog.find((x) => x.key === k)?.name || k;
  const chips = h('div', { className: 'chips', role: 'radiogroup', 'aria-label': 'Sport' });
  const indoors = h('input', { type: 'checkbox', name: 'indoors' });
  const indoorsRow = h('label', { className: 'check' }, indoors, 'Indoors: no GPS, I will enter distance myself');
  const render = () => {
    chips.replaceChildren(...LIVE_SPORTS.map((k) => h('button', {
      type: 'button', role: 'radio', className: 'chip', 'aria-checked': String(k === sport), 'data-sport': k,
      onclick: () => { sport = k; render(); },
    }, nameOf(k))));
    indoorsRow.hidden = !GPS_SPORTS.has(sport);
  };
  render();
  const start = h('button', { type: 'button', className: 'primary big-start' }, 'Start');
  start.addEventListener('click', async () => {
    start.disabled = true;
    try {
      const s = await api('POST', '/api/live', { sport, id: crypto.randomUUID() });
      localStorage.setItem(gpsKey(s.id), String(GPS_SPORTS.has(sport) && !indoors.checked));
      main.replaceChildren();
      cleanup = await recording(main, s);
    } catch (err) {
      toast(err.message);
      start.disabled = false;
    }
  });
  let cleanup = null;
  append(main, h('h1', { className: 'page-title' }, 'Go live'),
    h('section', { className: 'card' }, h('p', {}, 'Record with your phone; your other screens and anyone you share a link with follow along.'), chips, indoorsRow, start));
  return () => cleanup && cleanup();
}

async function recording(main, session) {
  const [sports, athlete] = await Promise.all([api('GET', '/api/sports'), api('GET', '/api/athlete')]);
  const zones = athlete.zones.hr; // the current heart rate is shown in its zone's colour
  const sport = sports.find((x) => x.key === session.sport) || { key: session.sport, name: session.sport };
  const strength = sport.kind === 'strength';
  const distanceSport = sport.kind === 'distance';
  const useGPS = !strength && localStorage.getItem(gpsKey(session.id)) !== 'false' && !!navigator.geolocation;
  const db = await openQueue();
  const queue = new SampleQueue(db, session.id);
  const startMs = Date.parse(session.start);
  let status = session.status;
  let distance = session.distance_m;
  let lastHR = null;
  let lastFix = null; // {lat, lon} of the last fix sent, for the map
  const stat = (label) => {
    const v = h('strong', {}, '—');
    return [h('div', { className: 'stat big' }, h('small', {}, label), v), v];
  };
  const [elapsedTile, elapsedV] = stat('Time');
  const [distTile, distV] = stat(strength ? 'Volume' : 'Distance');
  const [paceTile, paceV] = stat(strength ? 'Sets' : `Avg ${f.rateName(sport).toLowerCase()}`);
  const [hrTile, hrV] = stat('Heart rate');
  hrTile.classList.add('hr-tile');
  const net = h('p', { className: 'muted net' });
  const watching = h('span', { className: 'muted' });
  const mapEl = h('div', { className: 'map' });
  const manual = manualEntry((sample) => {
    if (sample.dist != null) distance = Math.max(distance, sample.dist);
    if (sample.hr != null) lastHR = sample.hr;
    record({ t: Math.round((Date.now() - startMs) / 100) / 10, ...sample });
    tick();
  });
  const sets = strength ? await setLogger(session, () => tick()) : null;
  let map = null;
  let line = null;
  const pause = h('button', { type: 'button', className: 'big' }, status === 'paused' ? 'Resume' : 'Pause');
  const finish = h('button', { type: 'button', className: 'big danger' }, 'Finish');
  const shareBox = h('div');
  append(main, 
    h('div', { className: 'page-head' }, h('h1', { className: 'page-title' }, h('span', { className: 'live-dot', 'aria-hidden': 'true' }), `Live: ${sport.name}`), watching),
    h('section', { className: 'card' }, h('div', { className: 'stats live-stats' }, elapsedTile, strength || distanceSport ? distTile : null, strength || distanceSport ? paceTile : null, hrTile), net),
    strength ? sets.el : useGPS ? h('section', { className: 'card' }, mapEl) : null,
    strength ? null : manual.el,
    h('div', { className: 'button-row live-controls' }, pause, finish,
      navigator.bluetooth ? h('button', { type: 'button', onclick: connectStrap }, icon('heart-pulse'), ' Connect heart-rate strap') : null),
    h('section', { className: 'card' }, h('h2', {}, 'Spectators'), shareBox));

  const tick = () => {
    const t = (Date.now() - startMs) / 1000;
    elapsedV.textContent = f.duration(t);
    distV.textContent = strength ? f.weight(sets.volume()) : f.distance(distance);
    paceV.textContent = strength ? String(sets.count()) : f.rate(sport, distance, t);
    showZone(hrTile, hrV, lastHR, zones);
  };
  const ticker = setInterval(tick, 1000);
  tick();

  const updateNet = async () => {
    const waiting = await queue.count();
    const online = document.getElementById('conn').dataset.state === 'online';
    if (strength) {
      net.textContent = online ? 'Connected' : 'Offline: sets are kept and sent when the connection is back';
      return;
    }
    net.textContent = `${online ? 'Connected' : 'Offline, saving on this phone'} · ${waiting} sample${waiting === 1 ? '' : 's'} waiting to send`;
  };

  // Send the queue in batches over the socket; each is deleted only once
  // acknowledged. While another of the owner's screens follows the session
  // samples go every SEND_OWN_MS, so it updates at once; otherwise every
  // SEND_MS: spectators see the route move as often as Strava Beacon shows
  // it, at a fraction of the server's cost (docs/benchmarks.md).
  let sending = false;
  let ownScreens = 0;
  let lastSent = 0;
  const flush = async () => {
    if (sending) return;
    sending = true;
    lastSent = Date.now();
    try {
      for (;;) {
        const batch = await queue.oldest(50);
        if (!batch.length) break;
        const ack = await app.socket.publish(`workout:${session.id}`, { samples: batch }, `${session.id}:${batch[0].t}:${batch[batch.length - 1].t}`);
        if (!ack) break;
        await queue.remove(batch);
      }
    } catch {
      // Offline or refused: the samples stay queued for the next try.
    } finally {
      sending = false;
      updateNet();
    }
  };
  const flusher = setInterval(() => {
    if (ownScreens > 0 || Date.now() - lastSent >= SEND_MS) flush();
  }, SEND_OWN_MS);

  const record = async (sample) => {
    if (status !== 'live') return;
    await queue.add(sample);
    updateNet();
  };

  // GPS.
  let watchID = null;
  if (useGPS) {
    watchID = navigator.geolocation.watchPosition((pos) => {
      if (pos.coords.accuracy > MAX_ACCURACY_M) return;
      const t = Math.round((pos.timestamp - startMs) / 100) / 10;
      const sample = { t: Math.max(0, t), lat: pos.coords.latitude, lon: pos.coords.longitude };
      if (pos.coords.altitude != null) sample.alt = pos.coords.altitude;
      if (pos.coords.speed != null && pos.coords.speed >= 0) sample.speed = pos.coords.speed;
      if (lastHR) sample.hr = lastHR;
      lastFix = sample;
      mapEl.dataset.fixes = String(Number(mapEl.dataset.fixes || 0) + 1); // what tests wait on
      drawFix(sample);
      record(sample);
    }, (err) => {
      toast(`${gpsProblem(err)} Enter distance by hand below.`, 'error');
      if (!lastFix) mapEl.closest('section').hidden = true; // no route to draw
      manual.open();
    }, { enableHighAccuracy: true, maximumAge: 0 });
  } else if (!strength) {
    manual.open();
  }

  async function drawFix(s) {
    const L = await leaflet();
    if (!map) {
      map = L.map(mapEl, { zoomControl: false, attributionControl: true }).setView([s.lat, s.lon], 16);
      tileLayer(L).addTo(map);
      line = L.polyline([], { color: '#0f766e', weight: 5 }).addTo(map);
    }
    line.addLatLng([s.lat, s.lon]);
    map.panTo([s.lat, s.lon]);
  }

  // Heart rate from a Bluetooth strap (the standard Heart Rate service).
  async function connectStrap() {
    try {
      const device = await navigator.bluetooth.requestDevice({ filters: [{ services: ['heart_rate'] }] });
      const server = await device.gatt.connect();
      const service = await server.getPrimaryService('heart_rate');
      const ch = await service.getCharacteristic('heart_rate_measurement');
      ch.addEventListener('characteristicvaluechanged', (e) => {
        const v = e.target.value;
        lastHR = v.getUint8(0) & 1 ? v.getUint16(1, true) : v.getUint8(1);
        if (!useGPS || !lastFix) record({ t: Math.round((Date.now() - startMs) / 100) / 10, hr: lastHR });
      });
      await ch.startNotifications();
      toast(`Connected to ${device.name || 'the strap'}`, 'ok');
    } catch (err) {
      toast(err.message);
    }
  }

  // Keep the screen on while live.
  let wakeLock = null;
  const lock = async () => {
    try {
      if ('wakeLock' in navigator && document.visibilityState === 'visible') wakeLock = await navigator.wakeLock.request('screen');
    } catch { /* not allowed: the screen may dim */ }
  };
  lock();
  document.addEventListener('visibilitychange', lock);

  pause.addEventListener('click', async () => {
    const next = status === 'paused' ? 'resume' : 'pause';
    const s = await api('POST', `/api/live/${session.id}/${next}`);
    status = s.status;
    pause.textContent = status === 'paused' ? 'Resume' : 'Pause';
  });
  finish.addEventListener('click', async () => {
    if (!confirm('Finish this session?')) return;
    finish.disabled = true;
    const was = status;
    status = 'finishing'; // record nothing more, then send what is queued
    await flush();
    await sets?.flush();
    if (await queue.count() || sets?.waiting()) {
      toast('Some of this session is still waiting to send; try again when connected.');
      status = was;
      finish.disabled = false;
      return;
    }
    const w = await api('POST', `/api/live/${session.id}/finish`);
    toast('Saved', 'ok');
    app.navigate(`/workouts/${w.id}`, { replace: true });
  });

  const renderShare = (token) => {
    if (token) {
      const url = `${location.origin}/watch/${token}`;
      shareBox.replaceChildren(h('div', { className: 'secret-row' }, h('code', { className: 'secret', 'data-watch-url': true }, url),
        h('button', { type: 'button', className: 'small', onclick: () => navigator.clipboard.writeText(url).then(() => toast('Link copied')) }, 'Copy')),
      h('button', { type: 'button', className: 'small danger', onclick: async () => {
        await api('DELETE', `/api/live/${session.id}/share`);
        renderShare(null);
      } }, 'Stop sharing'));
      return;
    }
    const privacy = h('select', { 'aria-label': 'Privacy zone' }, [0, 200, 500, 1000].map((m) => h('option', { value: m }, m ? `Hide ${m} m at each end` : 'Show the whole route')));
    const hours = h('select', { 'aria-label': 'Link expires' }, [['', 'Never expires'], [2, 'Expires in 2 hours'], [6, 'Expires in 6 hours'], [24, 'Expires in a day']].map(([v, l]) => h('option', { value: v }, l)));
    shareBox.replaceChildren(privacy, hours, h('button', { type: 'button', onclick: async () => {
      const body = { privacy_m: Number(privacy.value) };
      if (hours.value) body.expires_at = new Date(Date.now() + Number(hours.value) * 3600e3).toISOString();
      const res = await api('POST', `/api/live/${session.id}/share`, body);
      renderShare(res.token);
    } }, 'Create spectator link'));
  };
  renderShare(session.share_token);

  app.socket.follow(`workout:${session.id}`, {
    onMsg: (m) => {
      if (m.distance_m != null) distance = m.distance_m;
      if (m.type === 'set') sets?.landed(m.position, m.set); // logged here or on another screen
    },
    onPresence: (n, spectators) => {
      ownScreens = n - 1 - spectators; // the owner's sockets but this one
      watching.replaceChildren(...(n > 1 ? [icon('eye'), ` ${n - 1} watching`] : []));
    },
  });
  updateNet();
  return () => {
    clearInterval(ticker);
    clearInterval(flusher);
    sets?.stop();
    if (watchID != null) navigator.geolocation.clearWatch(watchID);
    document.removeEventListener('visibilitychange', lock);
    wakeLock?.release();
    app.socket.unfollow(`workout:${session.id}`);
  };
}

/**
 * gpsProblem says why there is no position, in words a runner can act on:
 * browsers often give an empty message, but always a code.
 */
export function gpsProblem(err) {
  switch (err?.code) {
    case 1: return 'GPS is off for this site: allow location in the browser\'s site settings to record your route.';
    case 2: return 'GPS has no position yet (indoors, or no signal).';
    case 3: return 'GPS took too long to find a position.';
  }
  return `GPS failed${err?.message ? `: ${err.message}` : ''}.`;
}

// manualEntry is the source for a phone with neither GPS nor a strap (a
// treadmill, a pool, a rowing machine): distance so far and heart rate,
// typed in whenever the athlete glances at the machine's display.
function manualEntry(onSample) {
  const dist = h('input', { type: 'number', name: 'manual_dist', min: '0', step: '0.01', inputmode: 'decimal', placeholder: f.distanceUnit() });
  const hr = h('input', { type: 'number', name: 'manual_hr', min: '20', max: '250', inputmode: 'numeric', placeholder: 'bpm' });
  const el = h('details', { className: 'card manual' }, h('summary', {}, 'Enter distance or heart rate by hand'),
    h('form', { className: 'grid2', onsubmit: (e) => {
      e.preventDefault();
      const sample = {};
      if (dist.value !== '') sample.dist = f.toMetres(Number(dist.value));
      if (hr.value !== '') sample.hr = Number(hr.value);
      if (!Object.keys(sample).length) return;
      onSample(sample);
      hr.value = '';
      toast('Recorded', 'ok');
    } },
    h('label', { className: 'field' }, h('span', {}, `Distance so far (${f.distanceUnit()})`), dist),
    h('label', { className: 'field' }, h('span', {}, 'Heart rate'), hr),
    h('button', { type: 'submit', className: 'primary big' }, 'Record')));
  return { el, open: () => { el.open = true; } };
}

// setLogger logs strength sets as they happen, each sent at once with its
// position so a retry is stored once, and runs a rest timer between them.
async function setLogger(session, onChange) {
  const [exercises, workout] = await Promise.all([api('GET', '/api/exercises'), api('GET', `/api/workouts/${session.id}`)]);
  const done = workout.sets;
  const name = (key) => exercises.find((e) => e.key === key)?.name || key;
  const exercise = h('select', { name: 'exercise', 'aria-label': 'Exercise' }, exercises.map((e) => h('option', { value: e.key }, e.name)));
  const weight = h('input', { type: 'number', name: 'weight', min: '0', step: '0.5', inputmode: 'decimal', placeholder: f.weightUnit(), 'aria-label': `Weight (${f.weightUnit()})` });
  const reps = h('input', { type: 'number', name: 'reps', min: '0', max: '1000', inputmode: 'numeric', placeholder: 'reps', 'aria-label': 'Reps' });
  const rest = h('select', { 'aria-label': 'Rest' }, REST_CHOICES.map((n) => h('option', { value: n, selected: n === 90 }, `Rest ${f.duration(n)}`)));
  const list = h('ol', { className: 'rows live-sets' });
  const timer = h('div', { className: 'rest-timer', hidden: true, role: 'timer', 'aria-live': 'polite' });
  const log = h('button', { type: 'submit', className: 'primary big' }, 'Log set');
  let restEnds = 0;
  let restTick = null;
  // Sets wait in pending until the server has them, so a set logged in a
  // basement gym goes up when the phone finds a signal; each carries its
  // position, so one sent twice is stored once.
  const pending = [];
  const renderList = () => list.replaceChildren(...done.concat(pending).map((x, i) => h('li', i < done.length ? { 'data-set': i } : { className: 'muted' },
    h('strong', {}, name(x.exercise)), ` · ${x.weight_kg != null ? f.weight(x.weight_kg) + ' × ' : ''}${x.reps ?? '—'}`, i < done.length ? '' : ' · waiting to send')));
  const startRest = () => {
    restEnds = Date.now() + Number(rest.value) * 1000;
    clearInterval(restTick);
    const show = () => {
      const left = Math.ceil((restEnds - Date.now()) / 1000);
      timer.hidden = false;
      if (left > 0) {
        timer.textContent = `Rest ${f.duration(left)}`;
        timer.classList.remove('over');
        return;
      }
      timer.textContent = 'Rest over: next set';
      timer.classList.add('over');
      clearInterval(restTick);
      navigator.vibrate?.([200, 100, 200]);
    };
    show();
    restTick = setInterval(show, 250);
  };
  let sending = false;
  const send = async () => {
    if (sending) return;
    sending = true;
    try {
      while (pending.length) {
        const res = await api('POST', `/api/live/${session.id}/sets`, pending[0]);
        pending.shift();
        landed(res.position, res.set);
      }
    } catch (err) {
      if (err.status !== 0) {
        toast(err.message);
        pending.length = 0; // refused, not lost in transit: do not retry
      }
    } finally {
      sending = false;
      renderList();
    }
  };
  const retry = setInterval(send, 3000);
  const form = h('form', { className: 'set-logger', onsubmit: (e) => {
    e.preventDefault();
    const set = { position: done.length + pending.length, exercise: exercise.value };
    if (reps.value !== '') set.reps = Number(reps.value);
    if (weight.value !== '') set.weight_kg = f.toKg(Number(weight.value));
    pending.push(set);
    renderList();
    startRest();
    send();
  } }, exercise, h('div', { className: 'grid2' }, weight, reps), rest, log);
  // landed records a set the server stored, whichever screen logged it.
  function landed(position, set) {
    if (position < done.length) return;
    done[position] = set;
    renderList();
    onChange();
  }
  // Start from the last set: the next is usually the same lift.
  const last = done[done.length - 1];
  if (last) {
    exercise.value = last.exercise;
    if (last.weight_kg != null) weight.value = +f.fromKg(last.weight_kg).toFixed(1);
    if (last.reps != null) reps.value = last.reps;
  }
  renderList();
  return {
    el: h('section', { className: 'card' }, h('h2', {}, 'Sets'), timer, form, list),
    count: () => done.length,
    volume: () => done.reduce((kg, x) => kg + (x.warmup ? 0 : (x.weight_kg || 0) * (x.reps || 0)), 0),
    landed,
    stop: () => { clearInterval(restTick); clearInterval(retry); },
    flush: send,
    waiting: () => pending.length,
  };
}

// ---- Spectators -----------------------------------------------------------

export async function watchPage(main, { token }) {
  let data;
  try {
    data = await api('GET', `/api/live/watch/${token}`);
  } catch {
    append(main, h('section', { className: 'card empty' }, h('h1', {}, 'This link has ended'), h('p', {}, 'It expired or its owner stopped sharing.')));
    return null;
  }
  const board = liveBoard(main, data.session, null, data.sport);
  const topic = data.topic;
  app.socket.follow(topic, {
    token,
    onMsg: board.update,
    onPresence: (n, spectators) => board.watching(spectators),
    onError: (e) => { if (e.code === 'link_revoked') { toast('The link was revoked'); board.ended('Link ended'); } },
  });
  return () => app.socket.unfollow(topic);
}

// followOwnSession is the live page on the owner's other screens: the
// session as it is recorded elsewhere, whole (no privacy zone), from the
// samples on the owner's own topic. It also follows the session's topic,
// so the recording phone knows one of the owner's screens is watching and
// sends every SEND_OWN_MS.
async function followOwnSession(main, session) {
  const [cols, workout, sports, exercises, athlete] = await Promise.all([api('GET', `/api/workouts/${session.id}/samples`), api('GET', `/api/workouts/${session.id}`),
    api('GET', '/api/sports'), api('GET', '/api/exercises'), api('GET', '/api/athlete')]);
  const samples = cols.t.map((t, i) => ({ t, dist: cols.dist[i], hr: cols.hr[i], alt: cols.alt[i], lat: cols.lat[i], lon: cols.lon[i] }));
  const positions = (list) => list.filter((x) => x.lat != null).map((x) => [x.t, x.lat, x.lon]);
  const here = h('button', { type: 'button', onclick: () => {
    localStorage.setItem(gpsKey(session.id), 'true');
    app.navigate('/live', { replace: true });
  } }, 'Record on this device instead');
  const board = liveBoard(main, { ...session, samples, track: positions(samples), sets: workout.sets, hr_zones: athlete.zones.hr },
    h('p', { className: 'muted' }, 'Recording on another of your devices. ', here),
    sports.find((x) => x.key === session.sport), exercises);
  app.onUserEvent(main, (e) => {
    if (e.id !== session.id) return;
    if (e.type === 'live.samples') board.update({ type: 'samples', samples: e.samples, track: positions(e.samples), elapsed_s: e.elapsed_s, distance_m: e.distance_m });
    if (e.type === 'live.set') board.update({ type: 'set', position: e.position, set: e.set });
    if (e.type === 'live.paused' || e.type === 'live.live') board.update({ status: e.type.slice(5) });
    if (e.type === 'live.finished') {
      board.update({ status: 'finished' });
      here.replaceWith(h('a', { href: `/workouts/${session.id}`, 'data-link': true }, 'See the workout'));
    }
  });
  const topic = `workout:${session.id}`;
  app.socket.follow(topic, { onMsg: () => {}, onPresence: (n, spectators) => board.watching(spectators) });
  return () => app.socket.unfollow(topic);
}

// liveBoard shows a session being recorded elsewhere: its numbers, sets,
// map and chart, kept current by update(m) with messages in the shape of
// the session's topic (samples, set, status).
function liveBoard(main, s, note = null, sport = null, exercises = null) {
  sport = sport || { key: s.sport, name: f.humanize(s.sport) };
  const exerciseName = (key) => exercises?.find((e) => e.key === key)?.name || f.humanize(key);
  const timed = sport.kind && sport.kind !== 'distance'; // no distance or pace to show
  const samples = s.samples;
  let track = s.track;
  const status = h('span', { className: 'badge' + (s.status === 'live' ? ' live' : '') }, s.status === 'finished' ? 'Finished' : s.status);
  const stats = h('div', { className: 'stats live-stats' });
  const mapEl = h('div', { className: 'map' });
  const chartBox = h('div');
  const watching = h('span', { className: 'muted' });
  const sets = s.sets || [];
  const setList = h('ol', { className: 'rows live-sets' });
  const setCard = h('section', { className: 'card', hidden: true }, h('h2', {}, 'Sets'), setList);
  const renderSets = () => {
    setCard.hidden = !sets.length;
    setList.replaceChildren(...sets.map((x) => h('li', {}, h('strong', {}, exerciseName(x.exercise)),
      ` · ${x.weight_kg != null ? f.weight(x.weight_kg) + ' × ' : ''}${x.reps ?? '—'}`)));
  };
  let elapsed = s.elapsed_s;
  let distance = s.distance_m;
  const hrV = h('strong', { 'data-hr': true });
  const hrTile = h('div', { className: 'stat big hr-tile' }, h('small', {}, 'Heart rate'), hrV);
  const renderStats = () => {
    const hr = [...samples].reverse().find((x) => x.hr)?.hr;
    stats.replaceChildren(
      h('div', { className: 'stat big' }, h('small', {}, 'Time'), h('strong', {}, f.duration(elapsed))),
      timed ? null : h('div', { className: 'stat big' }, h('small', {}, 'Distance'), h('strong', { 'data-distance': true }, f.distance(distance))),
      timed ? null : h('div', { className: 'stat big' }, h('small', {}, `Avg ${f.rateName(sport).toLowerCase()}`), h('strong', { 'data-rate': true }, f.rate(sport, distance, elapsed))),
      hrTile);
    showZone(hrTile, hrV, hr, s.hr_zones);
  };
  let map = null;
  let line = null;
  const drawTrack = async () => {
    if (!track.length) return;
    const L = await leaflet();
    if (!map) {
      map = L.map(mapEl);
      tileLayer(L).addTo(map);
      line = L.polyline([], { color: '#0f766e', weight: 5 }).addTo(map);
    }
    line.setLatLngs(track.map((p) => [p[1], p[2]]));
    map.fitBounds(line.getBounds(), { padding: [16, 16], maxZoom: 16 });
  };
  let drawing = 0;
  const drawChart = async () => {
    const cols = { t: samples.map((x) => x.t), hr: samples.map((x) => x.hr ?? null), dist: samples.map((x) => x.dist ?? null), alt: samples.map((x) => x.alt ?? null), lat: [] };
    const n = ++drawing;
    const c = samples.length > 1 ? await chart(cols, Math.min(840, document.getElementById('main').clientWidth - 72), sport) : null;
    if (n === drawing) chartBox.replaceChildren(...(c ? [c] : [])); // a later draw supersedes this one
  };
  const setStatus = (text, live) => {
    status.textContent = text;
    status.className = 'badge' + (live ? ' live' : '');
  };
  append(main, 
    h('div', { className: 'page-head' }, h('h1', { className: 'page-title' }, `Live: ${sport.name}`), status),
    h('p', { className: 'muted' }, `Started ${f.dateTime(s.start)} · `, watching),
    note,
    h('section', { className: 'card' }, stats),
    setCard,
    h('section', { className: 'card' }, mapEl),
    h('section', { className: 'card' }, chartBox));
  renderStats();
  renderSets();
  requestAnimationFrame(drawTrack);
  drawChart();
  return {
    update: (m) => {
      if (m.type === 'samples') {
        samples.push(...m.samples);
        track = track.concat(m.track);
        elapsed = m.elapsed_s;
        distance = m.distance_m;
        drawTrack();
        drawChart();
      }
      if (m.type === 'set' && m.position >= sets.length) {
        sets[m.position] = m.set;
        renderSets();
      }
      if (m.status) setStatus(m.status === 'finished' ? 'Finished' : m.status, m.status === 'live');
      renderStats();
    },
    watching: (n) => { watching.replaceChildren(...(n > 0 ? [icon('eye'), ` ${n} watching`] : [])); },
    ended: (text) => setStatus(text, false),
  };
}

/**
 * liveNow lists the user's own sessions under way, for the dashboard (view
 * is its page). The clock runs on this screen and the distance moves as
 * the recording phone's samples arrive on the user's topic. It returns
 * {el, stop}, or null when nothing is live.
 */
export async function liveNow(view) {
  const [sessions, sports] = await Promise.all([api('GET', '/api/live'), api('GET', '/api/sports')]);
  if (!sessions.length) return null;
  const rows = sessions.map((s) => {
    const sport = sports.find((x) => x.key === s.sport) || { key: s.sport, name: f.humanize(s.sport) };
    const text = h('span', { 'data-live-now': s.id });
    const row = { s, sport, text };
    row.render = () => {
      // The clock the recording phone shows: time since the start.
      const elapsed = Math.max(s.elapsed_s, (Date.now() - Date.parse(s.start)) / 1000);
      const parts = [sport.name, f.duration(elapsed)];
      if (sport.kind === 'distance') parts.push(f.distance(s.distance_m));
      if (s.status === 'paused') parts.push('paused');
      text.textContent = parts.join(' · ');
    };
    row.render();
    return row;
  });
  app.onUserEvent(view, (e) => {
    const row = rows.find((r) => r.s.id === e.id);
    if (!row) return;
    if (e.type === 'live.samples') {
      row.s.elapsed_s = e.elapsed_s;
      row.s.distance_m = e.distance_m;
    }
    if (e.type === 'live.paused' || e.type === 'live.live') row.s.status = e.type.slice(5);
    row.render();
  });
  const timer = setInterval(() => rows.forEach((r) => r.render()), 1000);
  const el = h('section', { className: 'card live-now' }, h('h2', {}, h('span', { className: 'live-dot', 'aria-hidden': 'true' }), 'Live now'),
    h('ul', { className: 'rows' }, rows.map((r) => h('li', {}, h('a', { href: '/live', 'data-link': true }, r.text)))));
  return { el, stop: () => clearInterval(timer) };
}
