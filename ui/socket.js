// socket.js: one WebSocket per tab to /ws (see docs/protocol.md). It
// reconnects by itself with jittered exponential backoff and resumes every
// topic from the last offset it processed, so no change is missed or seen
// twice across a dropped connection.

const MIN_BACKOFF = 500;
const MAX_BACKOFF = 30000;

/**
 * Socket keeps topics followed across reconnects.
 * onState(state) hears 'connecting' | 'online' | 'offline' | 'signed-out'.
 */
export class Socket {
  constructor({ onState = () => {} } = {}) {
    this.onState = onState;
    this.topics = new Map(); // topic -> {offset, epoch, onMsg, onSnapshot}
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
    this.nextId = 1;
    this.pending = new Map(); // request id -> {resolve, reject}
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  /**
   * reconnect opens a new socket, keeping the topics: the socket signs in
   * with the cookie it is opened with, so it is renewed when the user signs
   * in or out.
   */
  reconnect() {
    const old = this.ws;
    this.ws = null;
    if (old) old.close(1000, 'signing in again');
    clearTimeout(this.retryTimer);
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.ws) this.ws.close(1000, 'signed out');
    this.ws = null;
    this.topics.clear();
  }

  /**
   * follow subscribes to topic. onMsg(data, offset) gets each change;
   * onSnapshot(snapshot) gets the full state whenever the socket could not
   * resume (and on the first subscription).
   */
  follow(topic, { onMsg = () => {}, onSnapshot = () => {}, onPresence = () => {}, onError = () => {}, token } = {}) {
    const saved = this.topics.get(topic);
    this.topics.set(topic, { offset: saved?.offset, epoch: saved?.epoch, onMsg, onSnapshot, onPresence, onError, token });
    if (!this.ws) this.start(); // spectators follow games without signing in
    else if (this.ws.readyState === WebSocket.OPEN) this.subscribe(topic);
  }

  /** unfollow stops following topic; "user:*" stops every user topic. */
  unfollow(topic) {
    for (const t of [...this.topics.keys()]) {
      if (t !== topic && !(topic === 'user:*' && t.startsWith('user:'))) continue;
      this.topics.delete(t);
      if (this.ws?.readyState === WebSocket.OPEN) this.send({ op: 'unsub', topic: t });
    }
  }

  /** publish sends data to topic and resolves with the ack once it is committed. */
  publish(topic, data, id = `${Date.now().toString(36)}-${this.nextId++}`) {
    return new Promise((resolve, reject) => {
      if (this.ws?.readyState !== WebSocket.OPEN) {
        reject(new Error('offline'));
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.send({ op: 'pub', topic, id, data });
    });
  }

  connect() {
    if (this.stopped) return;
    this.onState('connecting');
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.onState('online');
      for (const topic of this.topics.keys()) this.subscribe(topic);
    };
    ws.onmessage = (e) => this.receive(JSON.parse(e.data));
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const p of this.pending.values()) p.reject(new Error('connection lost'));
      this.pending.clear();
      if (e.code === 4001) {
        this.onState('signed-out');
        return;
      }
      this.onState('offline');
      this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    // Full jitter: a server restart must not bring every tab back at once.
    const ceiling = Math.min(MAX_BACKOFF, MIN_BACKOFF * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  subscribe(topic) {
    const t = this.topics.get(topic);
    const frame = { op: 'sub', topic, id: 'sub:' + topic };
    if (t.token) frame.token = t.token;
    if (t.offset !== undefined) {
      frame.offset = t.offset;
      frame.epoch = t.epoch;
    }
    this.send(frame);
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  receive(f) {
    const t = f.topic && this.topics.get(f.topic);
    switch (f.op) {
      case 'subscribed':
        if (!t) return;
        t.offset = f.offset;
        t.epoch = f.epoch;
        if (f.snapshot !== undefined) t.onSnapshot(f.snapshot);
        break;
      case 'msg':
        if (!t || (t.offset !== undefined && f.offset <= t.offset && f.epoch === t.epoch)) return;
        t.offset = f.offset;
        t.epoch = f.epoch;
        t.onMsg(f.data, f.offset);
        break;
      case 'presence':
        t?.onPresence(f.count, f.readers ?? 0);
        break;
      case 'ack':
      case 'error': {
        const p = f.id !== undefined && this.pending.get(f.id);
        if (p) {
          this.pending.delete(f.id);
          if (f.op === 'ack') p.resolve(f);
          else p.reject(Object.assign(new Error(f.error.message), { code: f.error.code }));
        } else if (f.op === 'error') {
          if (t) t.onError(f.error);
          else console.warn('fitcast socket:', f.error);
        }
        break;
      }
    }
  }
}
