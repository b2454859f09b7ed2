// What the page keeps in the browser besides its settings. Conversations live in the gateway
// (api.js); the one thing the gateway does not keep is the parsed result of a VARCO task (the
// boxes), which the page caches here, keyed by the id of the assistant item that recorded the
// task's answer, so a reload can draw the boxes again. Absent (another browser, cleared storage,
// evicted): the answer shows as text only.

const KEY = 'varco.results';
const LEGACY = 'varco.conversations'; // the page's own conversation list before server-side conversations
const MAX_ENTRIES = 200;

export class ResultCache {
  constructor(storage = window.localStorage) {
    this.storage = storage;
    try {
      storage.removeItem(LEGACY);
    } catch {
      // storage unavailable: nothing to clean
    }
  }

  read() {
    try {
      const saved = JSON.parse(this.storage.getItem(KEY) || '{}');
      return saved && typeof saved === 'object' && !Array.isArray(saved) ? saved : {};
    } catch {
      return {};
    }
  }

  /** The task result recorded for an assistant item, or null. */
  get(itemId) {
    const entry = itemId ? this.read()[itemId] : null;
    return entry && entry.result ? entry.result : null;
  }

  /** Keeps a result for an assistant item; the oldest entries go past MAX_ENTRIES. */
  put(itemId, result) {
    if (!itemId || !result) return;
    const all = this.read();
    all[itemId] = { result, at: Date.now() };
    const ids = Object.keys(all).sort((a, b) => (all[a].at || 0) - (all[b].at || 0));
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX_ENTRIES))) delete all[id];
    this.write(all);
  }

  /** Forgets the results of the given assistant items (a deleted conversation's). */
  forget(itemIds) {
    const all = this.read();
    let changed = false;
    for (const id of itemIds) {
      if (id in all) {
        delete all[id];
        changed = true;
      }
    }
    if (changed) this.write(all);
  }

  write(all) {
    try {
      this.storage.setItem(KEY, JSON.stringify(all));
    } catch (e) {
      console.warn('task result not cached:', e); // quota: the answer stays, as text only after a reload
    }
  }
}
