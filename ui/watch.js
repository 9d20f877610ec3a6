// watch.js: following a session recorded elsewhere: the spectators' page
// (a share link), the owner's other screens, and the dashboard's "Live
// now" card.
import { api } from './api.js';
import { h, append, toast } from './dom.js';
import { session as shared } from './session.js';
import { bind, follow, is, EVENTS, SESSION_MESSAGES } from './updates.js';
import * as f from './format.js';
import { catalog } from './catalog.js';
import { chart } from './track.js';
import { routeMap } from './map.js';
import { icon } from './icons.js';
import { showZone } from './training.js';
import { gpsKey } from './sendqueue.js';

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
  follow(main, topic, {
    token,
    onMsg: board.update,
    onPresence: (n, spectators) => board.watching(spectators),
    onError: (e) => { if (e.code === 'link_revoked') { toast('The link was revoked'); board.ended('Link ended'); } },
  });
  return () => shared.socket.unfollow(topic);
}

// followOwnSession is the live page on the owner's other screens: the
// session as it is recorded elsewhere, whole (no privacy zone), from the
// samples on the owner's own topic. It also follows the session's topic,
// so the recording phone knows one of the owner's screens is watching and
// sends more often (sendqueue.js).
export async function followOwnSession(main, session) {
  const [cols, workout, { sports, exercises }, athlete] = await Promise.all([api('GET', `/api/workouts/${session.id}/samples`), api('GET', `/api/workouts/${session.id}`),
    catalog(), api('GET', '/api/athlete')]);
  const samples = cols.t.map((t, i) => ({ t, dist: cols.dist[i], hr: cols.hr[i], alt: cols.alt[i], lat: cols.lat[i], lon: cols.lon[i] }));
  const positions = (list) => list.filter((x) => x.lat != null).map((x) => [x.t, x.lat, x.lon]);
  const here = h('button', { type: 'button', onclick: () => {
    localStorage.setItem(gpsKey(session.id), 'true');
    shared.navigate('/live', { replace: true });
  } }, 'Record on this device instead');
  const board = liveBoard(main, { ...session, samples, track: positions(samples), sets: workout.sets, hr_zones: athlete.zones.hr },
    h('p', { className: 'muted' }, 'Recording on another of your devices. ', here),
    sports.find((x) => x.key === session.sport), exercises);
  bind(main, null, [EVENTS.liveSamples, EVENTS.liveSet, EVENTS.livePaused, EVENTS.liveLive, EVENTS.liveFinished], (e) => {
    if (e.id !== session.id) return;
    if (is(e, EVENTS.liveSamples)) board.update({ type: SESSION_MESSAGES.samples, samples: e.samples, track: positions(e.samples), elapsed_s: e.elapsed_s, distance_m: e.distance_m });
    if (is(e, EVENTS.liveSet)) board.update({ type: SESSION_MESSAGES.set, position: e.position, set: e.set });
    if (is(e, EVENTS.livePaused)) board.update({ status: 'paused' });
    if (is(e, EVENTS.liveLive)) board.update({ status: 'live' });
    if (is(e, EVENTS.liveFinished)) {
      board.update({ status: 'finished' });
      here.replaceWith(h('a', { href: `/workouts/${session.id}`, 'data-link': true }, 'See the workout'));
    }
  });
  const topic = `workout:${session.id}`;
  follow(main, topic, { onMsg: () => {}, onPresence: (n, spectators) => board.watching(spectators) });
  return () => shared.socket.unfollow(topic);
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
  let route = null;
  const drawTrack = async () => {
    if (!track.length) return;
    route = route || routeMap(mapEl);
    (await route).show(track.map((p) => [p[1], p[2]]), { maxZoom: 16 });
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
      if (m.type === SESSION_MESSAGES.samples) {
        samples.push(...m.samples);
        track = track.concat(m.track);
        elapsed = m.elapsed_s;
        distance = m.distance_m;
        drawTrack();
        drawChart();
      }
      if (m.type === SESSION_MESSAGES.set && m.position >= sets.length) {
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
  const [sessions, { sports }] = await Promise.all([api('GET', '/api/live'), catalog()]);
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
  const timer = setInterval(() => rows.forEach((r) => r.render()), 1000);
  const el = h('section', { className: 'card live-now' }, h('h2', {}, h('span', { className: 'live-dot', 'aria-hidden': 'true' }), 'Live now'),
    h('ul', { className: 'rows' }, rows.map((r) => h('li', {}, h('a', { href: '/live', 'data-link': true }, r.text)))));
  const unbind = bind(view, el, [EVENTS.liveSamples, EVENTS.livePaused, EVENTS.liveLive], (e) => {
    const row = rows.find((r) => r.s.id === e.id);
    if (!row) return;
    if (is(e, EVENTS.liveSamples)) {
      row.s.elapsed_s = e.elapsed_s;
      row.s.distance_m = e.distance_m;
    }
    if (is(e, EVENTS.livePaused)) row.s.status = 'paused';
    if (is(e, EVENTS.liveLive)) row.s.status = 'live';
    row.render();
  });
  return { el, stop: () => { clearInterval(timer); unbind(); } };
}
