// The chat page: conversation list, messages, composer (text, image attach/paste, task buttons,
// referring box), streaming answers and task results. Gateway calls live in api.js only.
import { ApiError, modelName, sendTurn } from './api.js';
import { defaultLanguage, translator } from './i18n.js';
import { renderResult } from './overlay.js';
import { ConversationStore } from './store.js';

const $ = (id) => document.getElementById(id);
const store = new ConversationStore();
const settings = {
  apiKey: localStorage.getItem('varco.apiKey') || '',
  maxTokens: Number(localStorage.getItem('varco.maxTokens')) || 256,
  temperature: localStorage.getItem('varco.temperature') !== null ? Number(localStorage.getItem('varco.temperature')) : 0.7,
};
let lang = localStorage.getItem('varco.lang') || defaultLanguage();
let t = translator(lang);
let task = 'chat';
let attachment = null; // {dataUrl}
let referringBox = null; // {x1, y1, x2, y2} in pixels of the original image
let controller = null; // AbortController of the turn in flight

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---- language ----

function applyLanguage() {
  t = translator(lang);
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  $('input').placeholder = t('placeholder');
  $('lang-toggle').textContent = t('language');
  $('lang-toggle').setAttribute('aria-label', t('languageLabel'));
  $('preview-image').alt = t('previewAlt');
  updateReferringHint();
  renderConversations();
  renderMessages();
}

$('lang-toggle').addEventListener('click', () => {
  lang = lang === 'ko' ? 'en' : 'ko';
  localStorage.setItem('varco.lang', lang);
  applyLanguage();
});

// ---- settings ----

$('api-key').value = settings.apiKey;
$('max-tokens').value = String(settings.maxTokens);
$('temperature').value = String(settings.temperature);
$('api-key').addEventListener('change', (e) => {
  settings.apiKey = e.target.value.trim();
  localStorage.setItem('varco.apiKey', settings.apiKey);
  showModel();
});
$('max-tokens').addEventListener('change', (e) => {
  settings.maxTokens = Math.max(1, Math.floor(Number(e.target.value) || 256));
  localStorage.setItem('varco.maxTokens', String(settings.maxTokens));
});
$('temperature').addEventListener('change', (e) => {
  const value = Number(e.target.value);
  settings.temperature = Number.isFinite(value) ? Math.min(2, Math.max(0, value)) : 0.7;
  localStorage.setItem('varco.temperature', String(settings.temperature));
});

async function showModel() {
  const name = await modelName(settings);
  $('model-name').textContent = name ? t('model', { name }) : '';
}

// ---- conversations ----

function renderConversations() {
  const list = $('conversation-list');
  list.replaceChildren();
  for (const conversation of store.conversations) {
    const item = el('li', conversation.id === store.currentId ? 'current' : '');
    const open = el('button', 'conversation', conversation.title || t('untitled'));
    open.type = 'button';
    if (conversation.id === store.currentId) open.setAttribute('aria-current', 'true');
    open.addEventListener('click', () => {
      if (controller) return;
      store.select(conversation.id);
      renderConversations();
      renderMessages();
    });
    const remove = el('button', 'delete', '×');
    remove.type = 'button';
    remove.setAttribute('aria-label', `${t('deleteChat')}: ${conversation.title || t('untitled')}`);
    remove.addEventListener('click', () => {
      if (controller && conversation.id === store.currentId) controller.abort();
      store.remove(conversation.id);
      renderConversations();
      renderMessages();
    });
    item.append(open, remove);
    list.append(item);
  }
}

$('new-chat').addEventListener('click', () => {
  if (controller) controller.abort();
  store.create();
  renderConversations();
  renderMessages();
  $('input').focus();
});

// ---- messages ----

function renderMessage(message) {
  const bubble = el('article', `message ${message.role}`);
  bubble.append(el('h3', 'who', message.role === 'user' ? t('you') : t('assistant')));
  if (message.role === 'user') {
    if (message.image) {
      const img = el('img', 'user-image');
      img.src = message.image;
      img.alt = t('userImageAlt');
      bubble.append(img);
    } else if (message.imageLost) {
      bubble.append(el('p', 'hint', t('imageNotKept')));
    }
    if (message.task && message.task !== 'chat') bubble.append(el('p', 'task-tag', t(`task_${message.task}`)));
    if (message.text) bubble.append(el('p', 'text', message.text));
    return bubble;
  }
  bubble.dataset.state = message.state || 'done';
  bubble.dataset.deltas = String(message.deltas || 0);
  bubble.append(el('p', 'text', message.text || ''));
  const status = el('p', 'status');
  if (message.state === 'streaming') status.textContent = t('streaming');
  if (message.state === 'stopped') status.textContent = t('stopped');
  bubble.append(status);
  if (message.error) {
    const error = el('p', 'error', `${t('error')} ${message.error.status || ''}: ${message.error.message}`);
    error.setAttribute('role', 'alert');
    if (message.error.param) error.append(el('code', null, ` (${message.error.param})`));
    bubble.append(error);
  }
  if (message.result) bubble.append(renderResult(message.image, message.result, t));
  return bubble;
}

function renderMessages() {
  const section = $('messages');
  for (const node of section.querySelectorAll('.message')) node.remove();
  const conversation = store.current();
  $('empty').hidden = conversation.messages.length > 0;
  for (const message of conversation.messages) section.append(renderMessage(message));
  section.scrollTop = section.scrollHeight;
}

function replaceBubble(index, message) {
  const bubbles = $('messages').querySelectorAll('.message');
  const fresh = renderMessage(message);
  if (bubbles[index]) bubbles[index].replaceWith(fresh);
  else $('messages').append(fresh);
  $('messages').scrollTop = $('messages').scrollHeight;
  return fresh;
}

/** Earlier turns as sent to the model: answers that failed are left out with their question. */
function history(messages) {
  const kept = [];
  for (let i = 0; i < messages.length; i++) {
    const next = messages[i + 1];
    if (messages[i].role === 'user' && next && next.role === 'assistant' && next.state === 'error') { i++; continue; }
    if (messages[i].role === 'assistant' && (messages[i].state === 'error' || !messages[i].text)) continue;
    kept.push({ role: messages[i].role, text: messages[i].text, image: messages[i].image || null });
  }
  return kept;
}

// ---- composer: image, tasks, referring box ----

function showComposerError(text) {
  $('composer-error').textContent = text || '';
  $('composer-error').hidden = !text;
}

function attachFile(file) {
  if (!file) return;
  if (file.type !== 'image/png' && file.type !== 'image/jpeg') {
    showComposerError(t('imageType'));
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    attachment = { dataUrl: reader.result };
    referringBox = null;
    $('referring-box').hidden = true;
    $('preview-image').src = attachment.dataUrl;
    $('preview').hidden = false;
    showComposerError('');
    updateReferringHint();
  };
  reader.readAsDataURL(file);
}

function clearAttachment() {
  attachment = null;
  referringBox = null;
  $('preview').hidden = true;
  $('preview-image').removeAttribute('src');
  $('referring-box').hidden = true;
  $('file-input').value = '';
}

$('file-input').addEventListener('change', (e) => attachFile(e.target.files[0]));
$('remove-image').addEventListener('click', clearAttachment);
document.addEventListener('paste', (e) => {
  for (const item of (e.clipboardData && e.clipboardData.items) || []) {
    if (item.kind === 'file' && item.type.startsWith('image/')) {
      e.preventDefault();
      attachFile(item.getAsFile());
      return;
    }
  }
});

function selectTask(name) {
  task = name;
  for (const button of document.querySelectorAll('#tasks button')) {
    button.setAttribute('aria-pressed', String(button.dataset.task === name));
  }
  $('preview').classList.toggle('referring', name === 'referring');
  updateReferringHint();
}

for (const button of document.querySelectorAll('#tasks button')) {
  button.addEventListener('click', () => selectTask(button.dataset.task));
}

function updateReferringHint() {
  const hint = $('referring-hint');
  hint.hidden = task !== 'referring';
  if (referringBox) {
    hint.textContent = t('referringBox', { box: [referringBox.x1, referringBox.y1, referringBox.x2, referringBox.y2].join(', ') });
  } else {
    hint.textContent = t('referringHint');
  }
}

(function referringDrag() {
  const img = $('preview-image');
  const box = $('referring-box');
  let start = null;
  img.draggable = false;
  const point = (e) => {
    const rect = img.getBoundingClientRect();
    return { x: Math.min(Math.max(e.clientX - rect.left, 0), rect.width), y: Math.min(Math.max(e.clientY - rect.top, 0), rect.height) };
  };
  const draw = (a, b) => {
    box.style.left = `${img.offsetLeft + Math.min(a.x, b.x)}px`;
    box.style.top = `${img.offsetTop + Math.min(a.y, b.y)}px`;
    box.style.width = `${Math.abs(a.x - b.x)}px`;
    box.style.height = `${Math.abs(a.y - b.y)}px`;
    box.hidden = false;
  };
  img.addEventListener('pointerdown', (e) => {
    if (task !== 'referring' || !attachment) return;
    e.preventDefault();
    img.setPointerCapture(e.pointerId);
    start = point(e);
    draw(start, start);
  });
  img.addEventListener('pointermove', (e) => { if (start) draw(start, point(e)); });
  img.addEventListener('pointerup', (e) => {
    if (!start) return;
    const end = point(e);
    const sx = img.naturalWidth / img.clientWidth;
    const sy = img.naturalHeight / img.clientHeight;
    const x1 = Math.round(Math.min(start.x, end.x) * sx);
    const y1 = Math.round(Math.min(start.y, end.y) * sy);
    const x2 = Math.round(Math.max(start.x, end.x) * sx);
    const y2 = Math.round(Math.max(start.y, end.y) * sy);
    start = null;
    if (x2 - x1 < 1 || y2 - y1 < 1) {
      referringBox = null;
      box.hidden = true;
    } else {
      referringBox = { x1, y1, x2, y2 };
    }
    updateReferringHint();
  });
})();

// ---- sending ----

function lastImage(messages) {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'user' && messages[i].image) return messages[i].image;
  return null;
}

function setBusy(busy) {
  $('send').hidden = busy;
  $('stop').hidden = !busy;
  document.body.classList.toggle('busy', busy);
}

async function send() {
  if (controller) return;
  const conversation = store.current();
  const text = $('input').value.trim();
  let image = attachment ? attachment.dataUrl : null;
  let varcoTask = null;
  if (task !== 'chat') {
    image = image || lastImage(conversation.messages);
    if (!image) { showComposerError(t('needImage')); return; }
    if (task === 'referring') {
      if (!referringBox || !attachment) { showComposerError(t('needBox')); return; }
      varcoTask = { type: 'referring', box: { ...referringBox, units: 'pixels' } };
    } else {
      varcoTask = { type: task };
    }
  }
  if (!text && !image) return;
  showComposerError('');

  const earlier = history(conversation.messages);
  const question = { role: 'user', text, image, task };
  const answer = { role: 'assistant', text: '', state: 'streaming', deltas: 0, image: varcoTask ? image : null };
  if (!conversation.title) conversation.title = (text || t(`task_${task}`)).slice(0, 40);
  conversation.messages.push(question, answer);
  store.save();
  renderConversations();
  renderMessages();
  const index = conversation.messages.length - 1;
  $('input').value = '';
  clearAttachment();

  controller = new AbortController();
  setBusy(true);
  let bubble = $('messages').querySelectorAll('.message')[index];
  try {
    const result = await sendTurn({
      history: earlier,
      turn: { text, image },
      task: varcoTask,
      settings,
      signal: controller.signal,
      onDelta: (soFar) => {
        answer.text = soFar;
        answer.deltas++;
        if (store.current() === conversation && bubble.isConnected) {
          bubble.querySelector('.text').textContent = soFar;
          bubble.dataset.deltas = String(answer.deltas);
          $('messages').scrollTop = $('messages').scrollHeight;
        }
      },
    });
    answer.text = result.text;
    answer.result = result.result;
    answer.finishReason = result.finishReason;
    answer.usage = result.usage;
    answer.state = 'done';
  } catch (e) {
    if (e.name === 'AbortError') {
      answer.state = 'stopped';
    } else {
      answer.state = 'error';
      const error = e instanceof ApiError ? e.error : { message: String(e.message || e) };
      answer.error = { status: e.status || '', message: error.message || String(e), type: error.type, param: error.param, code: error.code };
      if (e.status === 401) {
        answer.error.message = `${answer.error.message} — ${t('errorAuth')}`;
        $('settings').open = true;
      }
    }
  } finally {
    controller = null;
    setBusy(false);
    store.save();
    if (store.current() === conversation) bubble = replaceBubble(index, answer);
  }
}

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
$('stop').addEventListener('click', () => { if (controller) controller.abort(); });
$('input').addEventListener('keydown', (e) => {
  // Korean IME: Enter that ends a composition must not send (isComposing, or keyCode 229 in older engines).
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
    e.preventDefault();
    $('composer').requestSubmit();
  }
});

/** Draws a varco_task result over an image in the message list; for tests and debugging. */
window.varcoDrawResult = (result, imageUrl) => {
  const bubble = el('article', 'message assistant');
  bubble.dataset.state = 'done';
  bubble.append(el('h3', 'who', t('assistant')), renderResult(imageUrl, result, t));
  $('messages').append(bubble);
  $('messages').scrollTop = $('messages').scrollHeight;
  return bubble.querySelector('figure');
};

applyLanguage();
showModel();
document.body.dataset.ready = 'true';
