// games.js: live games. The games list, a scoreboard anyone with the link
// can watch (with a TV mode and an embeddable version), and the
// scorekeeper's page, built for one thumb on a touchline.
import { api } from './api.js';
import { h, append, toast, showFormError, formData } from './dom.js';
import { session } from './session.js';
import * as f from './format.js';
import { icon } from './icons.js';
import { color } from './theme.js';

const SPORTS = {
  soccer: { name: 'Soccer', actions: [['goal', 'Goal', 1]] },
  basketball: { name: 'Basketball', actions: [['free_throw', '+1', 1], ['two', '+2', 2], ['three', '+3', 3]] },
  ice_hockey: { name: 'Ice hockey', actions: [['goal', 'Goal', 1]] },
  rugby: { name: 'Rugby', actions: [['try', 'Try 5', 5], ['conversion', 'Conv 2', 2], ['penalty', 'Pen 3', 3], ['drop_goal', 'Drop 3', 3]] },
  generic: { name: 'Points', actions: [[null, '+1', 1], [null, '+2', 2], [null, '+3', 3]] },
  volleyball: { name: 'Volleyball', rally: true, actions: [[null, 'Point', 1]] },
  tennis: { name: 'Tennis', rally: true, actions: [[null, 'Point', 1]] },
};

function clockText(clock) {
  let s = clock.seconds;
  if (clock.running) s += (Date.now() - Date.parse(clock.since)) / 1000;
  return f.duration(Math.max(0, s));
}

/** scoreboard draws a game's state; it returns an element with update(game). */
function scoreboard(game) {
  const el = h('div', { className: 'scoreboard' });
  let timer = null;
  el.update = (g) => {
    const st = g.state;
    const team = (side) => {
      const name = side === 'home' ? g.home : g.away;
      const color = side === 'home' ? g.home_color : g.away_color;
      const badge = h('span', { className: 'team-color' });
      badge.style.background = color;
      return h('div', { className: 'team' }, badge, h('span', { className: 'team-name' }, name),
        h('span', { className: 'team-score', 'data-side': side }, String(side === 'home' ? st.home : st.away)));
    };
    const extra = [];
    if (g.sport === 'tennis') {
      extra.push(h('div', { className: 'sets' }, `Sets ${(st.sets || []).map((s) => s.join('-')).join('  ') || '—'} · Games ${(st.current || [0, 0]).join('-')} · ${(st.points || ['0', '0']).join('-')}`));
    } else if (g.sport === 'volleyball') {
      extra.push(h('div', { className: 'sets' }, `${(st.sets || []).map((s) => s.join('-')).join('  ')}  ${(st.current || [0, 0]).join('-')}`));
    }
    // Rally sports (volleyball, tennis) have no game clock: no "0:00" for them.
    const clock = SPORTS[g.sport]?.rally ? null : h('span', { className: 'clock' }, clockText(st.clock));
    el.replaceChildren(
      h('div', { className: 'teams' }, team('home'), h('span', { className: 'vs' }, '–'), team('away')),
      h('div', { className: 'game-meta' }, h('span', { className: 'badge' + (st.status === 'live' ? ' live' : '') }, st.status), h('span', {}, st.period_label), clock),
      ...extra);
    clearInterval(timer);
    if (clock && st.clock.running && st.status === 'live') timer = setInterval(() => { clock.textContent = clockText(st.clock); }, 250);
  };
  el.update(game);
  return el;
}

function eventText(g, ev) {
  const team = ev.team === 'home' ? g.home : ev.team === 'away' ? g.away : '';
  const who = ev.player ? ` (${ev.player})` : '';
  switch (ev.kind) {
    case 'score': return `${team} +${ev.points}${ev.action ? ' ' + ev.action.replace('_', ' ') : ''}${who}`;
    case 'period': return 'Next period';
    case 'clock': return `Clock ${ev.action}`;
    case 'foul': return `Foul, ${team}${who}`;
    case 'card': return `${ev.action} card, ${team}${who}`;
    case 'timeout': return `Time-out, ${team}`;
    case 'status': return ev.status === 'live' ? 'Game on' : 'Final';
    case 'undo': return `Undid #${ev.target}`;
  }
  return ev.kind;
}

/** follow keeps game up to date from its topic; it returns a cleanup. */
function follow(id, onGame, onEvent, onPresence) {
  const topic = `game:${id}`;
  session.socket.follow(topic, {
    onSnapshot: (s) => onGame(s),
    onMsg: (u) => { if (u.deleted) toast('This game was deleted'); else { onGame(u); if (u.event) onEvent(u.event); } },
    onPresence,
  });
  return () => session.socket.unfollow(topic);
}

// The topic's updates carry the game's fields under the names the API
// uses for a game, except the id.
const asGame = (base, u) => ({ ...base, home: u.home, away: u.away, home_color: u.home_color, away_color: u.away_color, state: u.state });

export async function gamePage(main, { id }, { embed = false } = {}) {
  let game = await api('GET', `/api/games/${id}`);
  const board = scoreboard(game);
  const timeline = h('ol', { className: 'timeline', reversed: true });
  const watching = h('span', { className: 'muted' });
  const addEvent = (ev) => timeline.prepend(h('li', { 'data-seq': ev.seq }, h('span', { className: 'muted' }, f.dateTime(ev.at).split(', ').pop()), ' ', eventText(game, ev)));
  if (!embed) (await api('GET', `/api/games/${id}/events`)).forEach(addEvent);
  const tv = h('button', { type: 'button', className: 'small', onclick: () => document.body.classList.toggle('tv') }, 'TV mode');
  const embedCode = `<iframe src="${location.origin}/embed/games/${id}" width="480" height="200" style="border:0"></iframe>`;
  if (embed) {
    append(main, board);
  } else {
    append(main, 
      h('div', { className: 'page-head' }, h('h1', { className: 'page-title' }, `${game.home} v ${game.away}`),
        game.can_score ? h('a', { href: `/games/${id}/keep`, 'data-link': true, className: 'button primary-small' }, 'Keep score') : null),
      h('p', { className: 'muted' }, [SPORTS[game.sport].name, game.venue, game.scheduled_at && f.dateTime(game.scheduled_at)].filter(Boolean).join(' · '), ' · ', watching),
      h('section', { className: 'card board-card' }, board, h('div', { className: 'button-row' }, tv,
        h('button', { type: 'button', className: 'small', onclick: () => navigator.clipboard.writeText(embedCode).then(() => toast('Embed code copied')) }, 'Copy embed code'))),
      statsCard(game),
      h('section', { className: 'card' }, h('h2', {}, 'Timeline'), timeline));
  }
  return follow(id, (u) => {
    game = asGame(game, u);
    board.update(game);
    main.querySelector('.team-stats')?.replaceWith(statsCard(game).querySelector('.team-stats'));
  }, (ev) => { if (!timeline.querySelector(`[data-seq="${ev.seq}"]`)) addEvent(ev); },
  (n) => { watching.replaceChildren(icon('eye'), ` ${n} watching`); });
}

function statsCard(g) {
  const st = g.state;
  const row = (label, k) => h('tr', {}, h('td', {}, String(st.stats[0][k])), h('th', {}, label), h('td', {}, String(st.stats[1][k])));
  return h('section', { className: 'card' }, h('h2', {}, 'Stats'),
    h('div', { className: 'team-stats' },
      h('table', {}, h('tbody', {}, row('Fouls', 'fouls'), row('Yellow cards', 'yellow_cards'), row('Red cards', 'red_cards'), row('Time-outs', 'timeouts'))),
      st.players.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Player'), h('th', {}, 'Pts'), h('th', {}, 'Fouls'))),
        h('tbody', {}, st.players.sort((a, b) => b.points - a.points).map((p) =>
          h('tr', {}, h('td', {}, `${p.player} (${p.team === 'home' ? g.home : g.away})`), h('td', {}, String(p.points)), h('td', {}, String(p.fouls)))))) : null));
}

export function embedGamePage(main, params) {
  document.body.classList.add('embed');
  return gamePage(main, params, { embed: true });
}

// ---- Scorekeeping --------------------------------------------------------

export async function keepScorePage(main, { id }) {
  let game = await api('GET', `/api/games/${id}`);
  if (!game.can_score) {
    append(main, h('section', { className: 'card' }, h('p', {}, 'Only this game\'s scorekeepers can keep score.')));
    return null;
  }
  const board = scoreboard(game);
  const sport = SPORTS[game.sport];
  const send = async (ev) => {
    try {
      const res = await api('POST', `/api/games/${id}/events`, { id: crypto.randomUUID(), ...ev });
      game = { ...game, state: res.state };
      board.update(game);
      if (navigator.vibrate) navigator.vibrate(20);
    } catch (err) {
      toast(err.message);
    }
  };
  const playerPick = (side) => {
    const roster = side === 'home' ? game.home_roster : game.away_roster;
    if (!roster.length) return null;
    return h('select', { className: 'player-pick', 'data-side': side, 'aria-label': 'Player' }, h('option', { value: '' }, 'Player…'),
      roster.map((p) => h('option', { value: p.number || p.name }, `${p.number ? '#' + p.number + ' ' : ''}${p.name}`)));
  };
  const player = (side) => main.querySelector(`.player-pick[data-side=${side}]`)?.value || undefined;
  const teamPad = (side) => {
    const pad = h('div', { className: 'pad' },
      h('h2', {}, side === 'home' ? game.home : game.away), playerPick(side),
      h('div', { className: 'score-buttons' }, sport.actions.map(([action, label, points]) =>
        h('button', { type: 'button', className: 'score-btn', 'data-side': side, 'data-points': points,
          onclick: () => send({ kind: 'score', team: side, points, action: action || undefined, player: player(side) }) }, label))),
      sport.rally ? null : h('div', { className: 'small-buttons' },
        h('button', { type: 'button', onclick: () => send({ kind: 'foul', team: side, player: player(side) }) }, 'Foul'),
        h('button', { type: 'button', onclick: () => send({ kind: 'timeout', team: side }) }, 'Time-out'),
        h('button', { type: 'button', onclick: () => send({ kind: 'card', team: side, action: 'yellow', player: player(side) }), 'aria-label': 'Yellow card' }, h('span', { className: 'card-swatch yellow' }), ' Yellow'),
        h('button', { type: 'button', onclick: () => send({ kind: 'card', team: side, action: 'red', player: player(side) }), 'aria-label': 'Red card' }, h('span', { className: 'card-swatch red' }), ' Red')));
    pad.style.borderColor = side === 'home' ? game.home_color : game.away_color;
    return pad;
  };
  const setClock = () => {
    const v = prompt('Clock (mm:ss)', clockText(game.state.clock));
    if (!v) return;
    const [m, s] = v.split(':').map(Number);
    if (Number.isFinite(m)) send({ kind: 'clock', action: 'set', seconds: m * 60 + (s || 0) });
  };
  append(main, 
    h('section', { className: 'card board-card' }, board),
    h('div', { className: 'pads' }, teamPad('home'), teamPad('away')),
    h('div', { className: 'button-row keeper-row' },
      sport.rally ? null : h('button', { type: 'button', onclick: () => send({ kind: 'clock', action: game.state.clock.running ? 'stop' : 'start' }) }, 'Start/stop clock'),
      sport.rally ? null : h('button', { type: 'button', onclick: setClock }, 'Set clock'),
      sport.rally ? null : h('button', { type: 'button', onclick: () => send({ kind: 'period' }) }, 'Next period'),
      h('button', { type: 'button', className: 'undo', onclick: async () => {
        try {
          const res = await api('POST', `/api/games/${id}/undo`);
          game = { ...game, state: res.state };
          board.update(game);
        } catch (err) {
          toast(err.message);
        }
      } }, '↶ Undo'),
      game.state.status === 'finished'
        ? h('button', { type: 'button', onclick: () => send({ kind: 'status', status: 'live' }) }, 'Reopen')
        : h('button', { type: 'button', onclick: () => confirm('End the game?') && send({ kind: 'status', status: 'finished' }) }, 'Final whistle')),
    h('p', { className: 'center' }, h('a', { href: `/games/${id}`, 'data-link': true }, 'Spectator view →'),
      game.owner_id === session.me.id ? h('button', { type: 'button', className: 'small', onclick: async () => {
        const username = prompt('Username of the co-scorekeeper to invite');
        if (!username) return;
        try {
          await api('POST', `/api/games/${id}/scorekeepers`, { username });
          toast(`${username} can now keep score`, 'ok');
        } catch (err) {
          toast(err.message);
        }
      } }, 'Invite a scorekeeper') : null));
  return follow(id, (u) => { game = asGame(game, u); board.update(game); }, () => {}, () => {});
}

// ---- Games list ----------------------------------------------------------

function gameRow(g) {
  return h('li', {}, h('a', { href: `/games/${g.id}`, 'data-link': true, className: 'workout-row' },
    h('span', { className: 'grow' }, h('strong', {}, `${g.home} ${g.state.home} – ${g.state.away} ${g.away}`),
      h('small', { className: 'muted block' }, [SPORTS[g.sport].name, g.state.status === 'live' ? g.state.period_label : g.state.status, g.venue].filter(Boolean).join(' · ')))));
}

export async function gamesPage(main) {
  const lists = h('div');
  const render = async () => {
    const [feed, mine] = await Promise.all([api('GET', '/api/games'), session.me ? api('GET', '/api/games?mine=1') : []]);
    const section = (title, items) => items.length ? h('section', { className: 'card' }, h('h2', {}, title), h('ul', { className: 'rows' }, items.map(gameRow))) : null;
    lists.replaceChildren(...[
      section('Live now', feed.filter((g) => g.state.status === 'live')),
      section('Upcoming', feed.filter((g) => g.state.status === 'scheduled')),
      section('Finished', feed.filter((g) => g.state.status === 'finished')),
      section('Games you keep score of', mine),
    ].filter(Boolean));
    if (!lists.children.length) lists.append(h('section', { className: 'card empty' }, h('p', {}, 'No games yet. Start one below and share its link.')));
  };
  await render();
  append(main, h('h1', { className: 'page-title' }, 'Games'), lists);
  if (session.me) append(main, newGameForm());
  session.socket.follow('games', { onMsg: render });
  return () => session.socket.unfollow('games');
}

function newGameForm() {
  const form = h('form', { className: 'card', novalidate: true },
    h('h2', {}, 'New game'),
    h('label', { className: 'field' }, h('span', {}, 'Sport'), h('select', { name: 'sport' }, Object.entries(SPORTS).map(([k, s]) => h('option', { value: k }, s.name)))),
    h('div', { className: 'grid2' },
      h('label', { className: 'field' }, h('span', {}, 'Home'), h('input', { name: 'home', required: true, maxlength: 100 })),
      h('label', { className: 'field' }, h('span', {}, 'Away'), h('input', { name: 'away', required: true, maxlength: 100 })),
      h('label', { className: 'field' }, h('span', {}, 'Home colour'), h('input', { name: 'home_color', type: 'color', value: color('team-home') })),
      h('label', { className: 'field' }, h('span', {}, 'Away colour'), h('input', { name: 'away_color', type: 'color', value: color('team-away') }))),
    h('label', { className: 'field' }, h('span', {}, 'Who can watch'), h('select', { name: 'visibility' },
      h('option', { value: 'public' }, 'Anyone (listed here)'), h('option', { value: 'unlisted' }, 'Anyone with the link'), h('option', { value: 'private' }, 'Only scorekeepers'))),
    h('div', { className: 'grid2' },
      h('label', { className: 'field' }, h('span', {}, 'Venue'), h('input', { name: 'venue', maxlength: 200, placeholder: 'Optional' })),
      h('label', { className: 'field' }, h('span', {}, 'Starts'), h('input', { name: 'scheduled_at', type: 'datetime-local' }))),
    h('label', { className: 'field' }, h('span', {}, 'Rosters'), h('textarea', { name: 'rosters', rows: 3, placeholder: 'Optional. One player a line: "home 7 Alex" or "away 10 Sam"' })),
    h('button', { type: 'submit', className: 'primary' }, 'Create game'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = formData(form);
    const roster = { home: [], away: [] };
    for (const line of (d.rosters || '').split('\n')) {
      const m = line.trim().match(/^(home|away)\s+(\S+)\s*(.*)$/i);
      if (m) roster[m[1].toLowerCase()].push({ number: /^\d+$/.test(m[2]) ? m[2] : '', name: /^\d+$/.test(m[2]) ? m[3] : `${m[2]} ${m[3]}`.trim() });
    }
    try {
      const g = await api('POST', '/api/games', { sport: d.sport, home: d.home, away: d.away, home_color: d.home_color, away_color: d.away_color,
        visibility: d.visibility, venue: d.venue, home_roster: roster.home, away_roster: roster.away,
        scheduled_at: d.scheduled_at ? f.fromLocalInput(d.scheduled_at) : undefined });
      session.navigate(`/games/${g.id}/keep`);
    } catch (err) {
      showFormError(form, err);
    }
  });
  return form;
}
