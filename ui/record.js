// record.js: recording a session from the phone: the start screen, the
// session's numbers, its sources (GPS, a heart-rate strap, entries by
// hand, strength sets) and its controls. What is recorded waits in the
// offline send queue (sendqueue.js) until the server has it; the owner's
// other screens and spectators follow it (watch.js).
import { api } from './api.js';
import { h, append, toast } from './dom.js';
import { session as shared } from './session.js';
import { follow, SESSION_MESSAGES } from './updates.js';
import * as f from './format.js';
import { sports as catalogSports, exercises as catalogExercises } from './catalog.js';
import { routeMap } from './map.js';
import { icon } from './icons.js';
import { showZone } from './training.js';
import { sendQueue, gpsKey } from './sendqueue.js';
import { followOwnSession } from './watch.js';

const MAX_ACCURACY_M = 50; // GPS fixes less precise than this are skipped

const LIVE_SPORTS = ['run', 'ride', 'walk', 'hike', 'swim', 'row', 'hiit', 'strength'];
const GPS_SPORTS = new Set(['run', 'ride', 'walk', 'hike']); // outdoors unless told otherwise
const REST_CHOICES = [60, 90, 120, 180];


export async function livePage(main) {
  const sessions = await api('GET', '/api/live');
  if (sessions.length) {
    // The device that started a session records it; the owner's other
    // screens follow it.
    const s = sessions[0];
    return localStorage.getItem(gpsKey(s.id)) === null ? followOwnSession(main, s) : recording(main, s);
  }
  let sport = 'run';
  const catalog = await catalogSports();
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

// recording is the live page on the device that records session: it puts
// the parts below together and returns what stops them all.
async function recording(main, session) {
  const [sports, athlete] = await Promise.all([catalogSports(), api('GET', '/api/athlete')]);
  const sport = sports.find((x) => x.key === session.sport) || { key: session.sport, name: session.sport };
  const strength = sport.kind === 'strength';
  const useGPS = !strength && localStorage.getItem(gpsKey(session.id)) !== 'false' && !!navigator.geolocation;
  const startMs = Date.parse(session.start);
  const at = (ms) => Math.round((ms - startMs) / 100) / 10; // a sample's time, s since the start
  const live = { status: session.status, distance: session.distance_m, hr: null, fix: null }; // what the sources last said

  const net = h('p', { className: 'muted net' });
  const watching = h('span', { className: 'muted' });
  const queue = await sendQueue(shared.socket, session.id, () => updateNet());
  const record = async (sample) => {
    if (live.status !== 'live') return;
    await queue.add(sample);
    updateNet();
  };
  const updateNet = async () => {
    const waiting = await queue.count();
    const online = document.getElementById('conn').dataset.state === 'online';
    if (strength) {
      net.textContent = online ? 'Connected' : 'Offline: sets are kept and sent when the connection is back';
      return;
    }
    net.textContent = `${online ? 'Connected' : 'Offline, saving on this phone'} · ${waiting} sample${waiting === 1 ? '' : 's'} waiting to send`;
  };

  const sets = strength ? await setLogger(session, () => stats.tick()) : null;
  const stats = liveStats(sport, startMs, live, sets, athlete.zones.hr);
  const manual = manualEntry((sample) => {
    if (sample.dist != null) live.distance = Math.max(live.distance, sample.dist);
    if (sample.hr != null) live.hr = sample.hr;
    record({ t: at(Date.now()), ...sample });
    stats.tick();
  });
  const mapEl = h('div', { className: 'map' });
  const controls = sessionControls(session, live, queue, sets);
  append(main,
    h('div', { className: 'page-head' }, h('h1', { className: 'page-title' }, h('span', { className: 'live-dot', 'aria-hidden': 'true' }), `Live: ${sport.name}`), watching),
    h('section', { className: 'card' }, stats.el, net),
    strength ? sets.el : useGPS ? h('section', { className: 'card' }, mapEl) : null,
    strength ? null : manual.el,
    h('div', { className: 'button-row live-controls' }, ...controls,
      navigator.bluetooth ? h('button', { type: 'button', onclick: () => connectStrap(live, (hr) => { if (!useGPS || !live.fix) record({ t: at(Date.now()), hr }); }) },
        icon('heart-pulse'), ' Connect heart-rate strap') : null),
    h('section', { className: 'card' }, h('h2', {}, 'Spectators'), shareBox(session)));

  let stopGPS = () => {};
  if (useGPS) {
    stopGPS = gpsSource(mapEl, at, live, record, () => {
      if (!live.fix) mapEl.closest('section').hidden = true; // no route to draw
      manual.open();
    });
  } else if (!strength) {
    manual.open();
  }
  const awake = keepAwake();

  follow(main, `workout:${session.id}`, {
    onMsg: (m) => {
      if (m.distance_m != null) live.distance = m.distance_m;
      if (m.type === SESSION_MESSAGES.set) sets?.landed(m.position, m.set); // logged here or on another screen
    },
    onPresence: (n, spectators) => {
      queue.ownScreens(n - 1 - spectators); // the owner's sockets but this one
      watching.replaceChildren(...(n > 1 ? [icon('eye'), ` ${n - 1} watching`] : []));
    },
  });
  updateNet();
  return () => {
    stats.stop();
    queue.stop();
    sets?.stop();
    stopGPS();
    awake();
    shared.socket.unfollow(`workout:${session.id}`);
  };
}

// liveStats are the recording phone's big numbers: time, distance (or a
// strength session's volume), pace or speed (or sets), heart rate in its
// zone's colour. The clock ticks every second; tick() redraws at once.
function liveStats(sport, startMs, live, sets, zones) {
  const strength = sport.kind === 'strength';
  const stat = (label) => {
    const v = h('strong', {}, '—');
    return [h('div', { className: 'stat big' }, h('small', {}, label), v), v];
  };
  const [elapsedTile, elapsedV] = stat('Time');
  const [distTile, distV] = stat(strength ? 'Volume' : 'Distance');
  const [paceTile, paceV] = stat(strength ? 'Sets' : `Avg ${f.rateName(sport).toLowerCase()}`);
  const [hrTile, hrV] = stat('Heart rate');
  hrTile.classList.add('hr-tile');
  const counted = strength || sport.kind === 'distance';
  const tick = () => {
    const t = (Date.now() - startMs) / 1000;
    elapsedV.textContent = f.duration(t);
    distV.textContent = strength ? f.weight(sets.volume()) : f.distance(live.distance);
    paceV.textContent = strength ? String(sets.count()) : f.rate(sport, live.distance, t);
    showZone(hrTile, hrV, live.hr, zones);
  };
  const ticker = setInterval(tick, 1000);
  tick();
  return {
    el: h('div', { className: 'stats live-stats' }, elapsedTile, counted ? distTile : null, counted ? paceTile : null, hrTile),
    tick,
    stop: () => clearInterval(ticker),
  };
}

// gpsSource records a sample for each precise enough fix and draws the
// route on mapEl; onFail runs when there is no position. It returns what
// stops it.
function gpsSource(mapEl, at, live, record, onFail) {
  let route = null;
  const draw = async (s) => {
    route = route || routeMap(mapEl, { zoomControl: false });
    (await route).follow([s.lat, s.lon]);
  };
  const watchID = navigator.geolocation.watchPosition((pos) => {
    if (pos.coords.accuracy > MAX_ACCURACY_M) return;
    const sample = { t: Math.max(0, at(pos.timestamp)), lat: pos.coords.latitude, lon: pos.coords.longitude };
    if (pos.coords.altitude != null) sample.alt = pos.coords.altitude;
    if (pos.coords.speed != null && pos.coords.speed >= 0) sample.speed = pos.coords.speed;
    if (live.hr) sample.hr = live.hr;
    live.fix = sample;
    mapEl.dataset.fixes = String(Number(mapEl.dataset.fixes || 0) + 1); // what tests wait on
    draw(sample);
    record(sample);
  }, (err) => {
    toast(`${gpsProblem(err)} Enter distance by hand below.`, 'error');
    onFail();
  }, { enableHighAccuracy: true, maximumAge: 0 });
  return () => navigator.geolocation.clearWatch(watchID);
}

// connectStrap reads heart rate from a Bluetooth strap (the standard Heart
// Rate service) into live.hr, and hands each reading to onHR.
async function connectStrap(live, onHR) {
  try {
    const device = await navigator.bluetooth.requestDevice({ filters: [{ services: ['heart_rate'] }] });
    const server = await device.gatt.connect();
    const service = await server.getPrimaryService('heart_rate');
    const ch = await service.getCharacteristic('heart_rate_measurement');
    ch.addEventListener('characteristicvaluechanged', (e) => {
      const v = e.target.value;
      live.hr = v.getUint8(0) & 1 ? v.getUint16(1, true) : v.getUint8(1);
      onHR(live.hr);
    });
    await ch.startNotifications();
    toast(`Connected to ${device.name || 'the strap'}`, 'ok');
  } catch (err) {
    toast(err.message);
  }
}

// keepAwake keeps the screen on while live; it returns what lets it dim.
function keepAwake() {
  let wakeLock = null;
  const lock = async () => {
    try {
      if ('wakeLock' in navigator && document.visibilityState === 'visible') wakeLock = await navigator.wakeLock.request('screen');
    } catch { /* not allowed: the screen may dim */ }
  };
  lock();
  document.addEventListener('visibilitychange', lock);
  return () => {
    document.removeEventListener('visibilitychange', lock);
    wakeLock?.release();
  };
}

// sessionControls are the Pause/Resume and Finish buttons. Finishing sends
// what is still queued first, and saves only once nothing waits.
function sessionControls(session, live, queue, sets) {
  const pause = h('button', { type: 'button', className: 'big' }, live.status === 'paused' ? 'Resume' : 'Pause');
  const finish = h('button', { type: 'button', className: 'big danger' }, 'Finish');
  pause.addEventListener('click', async () => {
    const next = live.status === 'paused' ? 'resume' : 'pause';
    const s = await api('POST', `/api/live/${session.id}/${next}`);
    live.status = s.status;
    pause.textContent = live.status === 'paused' ? 'Resume' : 'Pause';
  });
  finish.addEventListener('click', async () => {
    if (!confirm('Finish this session?')) return;
    finish.disabled = true;
    const was = live.status;
    live.status = 'finishing'; // record nothing more, then send what is queued
    await queue.flush();
    await sets?.flush();
    if (await queue.count() || sets?.waiting()) {
      toast('Some of this session is still waiting to send; try again when connected.');
      live.status = was;
      finish.disabled = false;
      return;
    }
    const w = await api('POST', `/api/live/${session.id}/finish`);
    toast('Saved', 'ok');
    shared.navigate(`/workouts/${w.id}`, { replace: true });
  });
  return [pause, finish];
}

// shareBox makes and ends the session's spectator link.
function shareBox(session) {
  const box = h('div');
  const render = (token) => {
    if (token) {
      const url = `${location.origin}/watch/${token}`;
      box.replaceChildren(h('div', { className: 'secret-row' }, h('code', { className: 'secret', 'data-watch-url': true }, url),
        h('button', { type: 'button', className: 'small', onclick: () => navigator.clipboard.writeText(url).then(() => toast('Link copied')) }, 'Copy')),
      h('button', { type: 'button', className: 'small danger', onclick: async () => {
        await api('DELETE', `/api/live/${session.id}/share`);
        render(null);
      } }, 'Stop sharing'));
      return;
    }
    const privacy = h('select', { 'aria-label': 'Privacy zone' }, [0, 200, 500, 1000].map((m) => h('option', { value: m }, m ? `Hide ${m} m at each end` : 'Show the whole route')));
    const hours = h('select', { 'aria-label': 'Link expires' }, [['', 'Never expires'], [2, 'Expires in 2 hours'], [6, 'Expires in 6 hours'], [24, 'Expires in a day']].map(([v, l]) => h('option', { value: v }, l)));
    box.replaceChildren(privacy, hours, h('button', { type: 'button', onclick: async () => {
      const body = { privacy_m: Number(privacy.value) };
      if (hours.value) body.expires_at = new Date(Date.now() + Number(hours.value) * 3600e3).toISOString();
      const res = await api('POST', `/api/live/${session.id}/share`, body);
      render(res.token);
    } }, 'Create spectator link'));
  };
  render(session.share_token);
  return box;
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
  const [exercises, workout] = await Promise.all([catalogExercises(), api('GET', `/api/workouts/${session.id}`)]);
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

