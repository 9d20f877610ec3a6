// sendqueue.js: the offline send queue of a session being recorded.
// Samples are kept in IndexedDB until the server acknowledges them (after
// commit), so a tunnel or a lift loses nothing: they go out on reconnect,
// and the server counts a resent one only once.

/**
 * gpsKey is where this device keeps whether it records session id's GPS,
 * chosen at the start, so reopening the page mid-session keeps the
 * choice; a session without it is recorded on another device.
 */
export const gpsKey = (id) => `fitcast-live-gps:${id}`;

const SEND_OWN_MS = 2000; // how often samples go up while the owner's other screens watch
const SEND_MS = 15000; // and otherwise

function openDB() {
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

/** SampleQueue is one session's samples waiting in IndexedDB, keyed by time. */
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

/**
 * sendQueue opens session id's queue and sends it over socket in batches,
 * each deleted only once acknowledged. While another of the owner's
 * screens follows the session (ownScreens(n)) samples go every
 * SEND_OWN_MS, so it updates at once; otherwise every SEND_MS: spectators
 * see the route move as often as Strava Beacon shows it, at a fraction of
 * the server's cost (docs/benchmarks.md). onSent runs after each attempt.
 * It resolves to {add, count, flush, ownScreens, stop}.
 */
export async function sendQueue(socket, id, onSent = () => {}) {
  const queue = new SampleQueue(await openDB(), id);
  let sending = false;
  let own = 0;
  let lastSent = 0;
  const flush = async () => {
    if (sending) return;
    sending = true;
    lastSent = Date.now();
    try {
      for (;;) {
        const batch = await queue.oldest(50);
        if (!batch.length) break;
        const ack = await socket.publish(`workout:${id}`, { samples: batch }, `${id}:${batch[0].t}:${batch[batch.length - 1].t}`);
        if (!ack) break;
        await queue.remove(batch);
      }
    } catch {
      // Offline or refused: the samples stay queued for the next try.
    } finally {
      sending = false;
      onSent();
    }
  };
  const timer = setInterval(() => {
    if (own > 0 || Date.now() - lastSent >= SEND_MS) flush();
  }, SEND_OWN_MS);
  return {
    add: (sample) => queue.add(sample),
    count: () => queue.count(),
    flush,
    ownScreens: (n) => { own = n; },
    stop: () => clearInterval(timer),
  };
}
