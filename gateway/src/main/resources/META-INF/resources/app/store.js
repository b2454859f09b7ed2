// Conversations kept by the page: in memory, and in localStorage without their images (images
// are large and localStorage holds a few MB), so a reload keeps the list and the texts.

const KEY = 'varco.conversations';
const CURRENT = 'varco.current';

function newId() {
  return (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`).replace(/-/g, '').slice(0, 16);
}

export class ConversationStore {
  constructor(storage = window.localStorage) {
    this.storage = storage;
    this.conversations = [];
    try {
      const saved = JSON.parse(storage.getItem(KEY) || '[]');
      if (Array.isArray(saved)) this.conversations = saved.filter((c) => c && c.id && Array.isArray(c.messages));
    } catch {
      this.conversations = [];
    }
    this.currentId = storage.getItem(CURRENT);
    if (!this.current()) this.currentId = this.conversations.length ? this.conversations[0].id : this.create().id;
  }

  current() {
    return this.conversations.find((c) => c.id === this.currentId) || null;
  }

  create() {
    const conversation = { id: newId(), title: '', created: Date.now(), messages: [] };
    this.conversations.unshift(conversation);
    this.currentId = conversation.id;
    this.save();
    return conversation;
  }

  select(id) {
    if (this.conversations.some((c) => c.id === id)) this.currentId = id;
    this.save();
  }

  remove(id) {
    this.conversations = this.conversations.filter((c) => c.id !== id);
    if (this.currentId === id) {
      if (this.conversations.length) this.currentId = this.conversations[0].id;
      else this.create();
    }
    this.save();
  }

  save() {
    const stripped = this.conversations.map((c) => ({
      ...c,
      messages: c.messages.map((m) => (m.image ? { ...m, image: null, imageLost: true } : m)),
    }));
    try {
      this.storage.setItem(KEY, JSON.stringify(stripped));
      this.storage.setItem(CURRENT, this.currentId || '');
    } catch (e) {
      console.warn('conversations not saved:', e); // quota: the page keeps working from memory
    }
  }
}
