// What the page keeps in the browser besides its settings. Conversations live in the gateway
// (api.js); what the gateway's items do not carry is the parsed result of a VARCO task (the boxes)
// and whether an answer was cut at max tokens (items list as completed). The page caches both here,
// keyed by the id of the assistant item that recorded the answer, so a reload shows them again.
// Absent (another browser, cleared storage, evicted): the answer shows as text only.

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

  /** Whether the assistant item's answer was cut at max tokens. */
  wasCut(itemId) {
    const entry = itemId ? this.read()[itemId] : null;
    return Boolean(entry && entry.incomplete);
  }

  /**
   * Keeps what the page knows of an assistant item (a task result, or null; whether it was cut);
   * the oldest entries go past MAX_ENTRIES.
   */
  put(itemId, result, { incomplete = false } = {}) {
    if (!itemId || (!result && !incomplete)) return;
    const all = this.read();
    all[itemId] = { result, incomplete, at: Date.now() };
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
