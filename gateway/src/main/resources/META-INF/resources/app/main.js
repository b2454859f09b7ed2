// The chat page: conversation list, messages, composer (text, image attach/paste, task buttons,
// referring box), streaming answers and task results. Conversations live in the gateway; every
// gateway call is in api.js. The browser keeps only settings, the open conversation's id and the
// task results' boxes (store.js).
import {
  ApiError, addItems, assistantItem, conversationItems, createConversation, deleteConversation, fromItem,
  listConversations, modelName, requestLimits, runTask, sendTurn, truncate, updateConversation, userItem,
} from './api.js';
import { defaultLanguage, translator } from './i18n.js';
import { renderResult } from './overlay.js';
import { ResultCache } from './store.js';

const $ = (id) => document.getElementById(id);
const results = new ResultCache();
const CURRENT = 'varco.current';
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
/** The gateway's request limits (GET /app/limits.json), checked before anything is uploaded; null if unknown. */
let limits = null;

/** The caller's conversations as listed by the gateway, newest first: [{id, title, metadata}]. */
let conversations = [];
let moreAfter = null; // last_id of the list when the gateway has more
let listError = null;
/** The open conversation; id null while it is a draft (created on the gateway by its first turn). */
let current = draft();

function draft() {
  return { id: null, title: '', metadata: {}, messages: [], state: 'ready', error: null };
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * An ApiError (or any failure) as the page shows it: {status, message, detail, param, code}. The
 * message is the page's own, in its language, chosen by status and code; the gateway's message
 * (English) is kept as the detail, for a bug report.
 */
function describe(e) {
  const error = e instanceof ApiError ? e.error : { message: String((e && e.message) || e) };
  const status = e instanceof ApiError ? e.status : '';
  return { status, message: explain(status, error), detail: error.message || String(e), param: error.param, code: error.code };
}

function explain(status, error) {
  const about = `${error.param || ''} ${error.message || ''}`;
  switch (status) {
    case '': return t('errorNetwork');
    case 400: return /image/i.test(about) ? t('errorImage') : t('errorInvalid');
    case 401:
      $('settings').open = true;
      return t('errorAuth');
    case 403: return error.code === 'loopback_only' ? t('errorForbidden') : t('errorOther');
    case 404: return t('errorNotFound');
    case 409: return error.code === 'conversation_busy' ? t('errorBusy') : t('errorOther');
    case 413: return t('errorTooLarge');
    case 429: return t('errorRateLimit');
    case 502: case 503: return t('errorUnavailable');
    case 504: return t('errorTimeout');
    default: return status >= 500 ? t('errorServer') : t('errorOther');
  }
}

function errorLine(error) {
  const line = el('p', 'error', `${t('error')} ${error.status || ''}: ${error.message}`);
  line.setAttribute('role', 'alert');
  if (error.param) line.append(el('code', null, ` (${error.param})`));
  if (error.detail && error.detail !== error.message) {
    const detail = el('span', 'detail', error.detail);
    detail.lang = 'en'; // the gateway's own words
    line.append(detail);
  }
  return line;
}

/** A byte count as the page shows limits: MiB, one decimal unless whole. */
function mib(bytes) {
  const value = bytes / (1 << 20);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
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
  updateTaskHint();
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
  // Conversations belong to the key: another key sees other ones.
  if (controller) controller.abort();
  current = draft();
  localStorage.removeItem(CURRENT);
  renderMessages();
  loadConversations();
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

function listed(conversation) {
  const metadata = conversation.metadata || {};
  return { id: conversation.id, title: metadata.title || '', metadata, createdAt: conversation.created_at };
}

/** Reads the first page of the caller's conversations (more: the next page, appended). */
async function loadConversations(more = false) {
  try {
    const page = await listConversations(settings, { after: more ? moreAfter : null });
    const fresh = (page.data || []).map(listed);
    conversations = more ? [...conversations, ...fresh.filter((c) => !conversations.some((k) => k.id === c.id))] : fresh;
    moreAfter = page.has_more ? page.last_id : null;
    listError = null;
  } catch (e) {
    listError = describe(e);
  }
  renderConversations();
}

function renderConversations() {
  const list = $('conversation-list');
  list.replaceChildren();
  for (const conversation of conversations) {
    const isCurrent = conversation.id === current.id;
    const item = el('li', isCurrent ? 'current' : '');
    item.dataset.id = conversation.id;
    const open = el('button', 'conversation', conversation.title || t('untitled'));
    open.type = 'button';
    open.title = conversation.title || t('untitled');
    if (isCurrent) open.setAttribute('aria-current', 'true');
    open.addEventListener('click', () => {
      if (controller || conversation.id === current.id) return;
      openConversation(conversation.id);
    });
    const remove = el('button', 'delete', '×');
    remove.type = 'button';
    remove.setAttribute('aria-label', `${t('deleteChat')}: ${conversation.title || t('untitled')}`);
    remove.addEventListener('click', () => removeConversation(conversation));
    item.append(open, remove);
    list.append(item);
  }
  $('more-conversations').hidden = !moreAfter;
  $('conversations-error').hidden = !listError;
  $('conversations-error').replaceChildren(...(listError ? [errorLine(listError)] : []));
}

$('more-conversations').addEventListener('click', () => loadConversations(true));

/** Phones: the sidebar folds into a header; its menu button opens it over the page. */
function setMenu(open) {
  document.querySelector('.sidebar').classList.toggle('open', open);
  $('menu-toggle').setAttribute('aria-expanded', String(open));
}
$('menu-toggle').addEventListener('click', () => setMenu(!document.querySelector('.sidebar').classList.contains('open')));

/** Opens a stored conversation: its items, oldest first, rendered with any cached task boxes. */
async function openConversation(id) {
  setMenu(false);
  const entry = conversations.find((c) => c.id === id);
  const opening = { ...draft(), id, title: entry ? entry.title : '', metadata: entry ? entry.metadata : {}, state: 'loading' };
  current = opening;
  localStorage.setItem(CURRENT, id);
  renderConversations();
  renderMessages();
  try {
    const items = await conversationItems(settings, id);
    if (current !== opening) return; // another one was opened meanwhile
    opening.messages = toMessages(items);
    opening.state = 'ready';
  } catch (e) {
    if (current !== opening) return;
    opening.state = 'error';
    opening.error = describe(e);
    if (e.status === 404) {
      conversations = conversations.filter((c) => c.id !== id);
      localStorage.removeItem(CURRENT);
    }
  }
  renderConversations();
  renderMessages();
}

/**
 * Stored items as page messages. An assistant item whose task result is cached gets its boxes,
 * drawn over the conversation's latest image up to it (the image the task ran on), and the
 * question before it its task tag.
 */
function toMessages(items) {
  const messages = [];
  let image = null;
  for (const item of items) {
    if (item.role !== 'user' && item.role !== 'assistant') continue;
    const message = fromItem(item);
    message.state = 'done';
    if (message.role === 'user') {
      if (message.images.length) image = message.images[message.images.length - 1];
    } else {
      if (results.wasCut(message.id)) message.status = 'incomplete';
      const result = results.get(message.id);
      if (result) {
        message.result = result;
        message.resultImage = image;
        const question = messages[messages.length - 1];
        if (question && question.role === 'user') question.task = result.type;
      }
    }
    messages.push(message);
  }
  return messages;
}

async function removeConversation(conversation) {
  const isCurrent = conversation.id === current.id;
  if (controller && isCurrent) controller.abort();
  try {
    await deleteConversation(settings, conversation.id);
  } catch (e) {
    if (e.status !== 404) {
      listError = describe(e);
      renderConversations();
      return;
    }
  }
  if (isCurrent) {
    results.forget(current.messages.filter((m) => m.role === 'assistant' && m.id).map((m) => m.id));
    current = draft();
    localStorage.removeItem(CURRENT);
    renderMessages();
  }
  conversations = conversations.filter((c) => c.id !== conversation.id);
  listError = null;
  renderConversations();
}

$('new-chat').addEventListener('click', () => {
  setMenu(false);
  if (controller) controller.abort();
  current = draft();
  localStorage.removeItem(CURRENT);
  renderConversations();
  renderMessages();
  $('input').focus();
});

// ---- messages ----

function renderMessage(message) {
  const bubble = el('article', `message ${message.role}`);
  if (message.id) bubble.dataset.item = message.id;
  bubble.append(el('h3', 'who', message.role === 'user' ? t('you') : t('assistant')));
  if (message.role === 'user') {
    for (const image of message.images || []) {
      const img = el('img', 'user-image');
      img.src = image;
      img.alt = t('userImageAlt');
      bubble.append(img);
    }
    if (message.task && message.task !== 'chat') bubble.append(el('p', 'task-tag', t(`task_${message.task}`)));
    if (message.text) bubble.append(el('p', 'text', message.text));
    return bubble;
  }
  bubble.dataset.state = message.state || 'done';
  bubble.dataset.status = message.status || '';
  bubble.dataset.deltas = String(message.deltas || 0);
  bubble.append(el('p', 'text', message.text || ''));
  const status = el('p', 'status');
  if (message.state === 'streaming') status.textContent = t('streaming');
  if (message.state === 'stopped') status.textContent = t('stopped');
  if (message.state === 'done' && message.status === 'incomplete') status.textContent = t('incomplete');
  bubble.append(status);
  if (message.error) bubble.append(errorLine(message.error));
  if (message.result) bubble.append(renderResult(message.resultImage, message.result, t));
  if (message.notRecorded) {
    const line = errorLine(message.notRecorded);
    line.className = 'error not-recorded';
    line.prepend(`${t('notRecorded')} `);
    bubble.append(line);
  }
  return bubble;
}

function renderMessages() {
  const section = $('messages');
  for (const node of section.querySelectorAll('.message, .load-state')) node.remove();
  section.dataset.conversation = current.id || '';
  section.dataset.state = current.state;
  $('empty').hidden = current.messages.length > 0 || current.state !== 'ready';
  if (current.state === 'loading') section.append(el('p', 'hint load-state', t('loading')));
  if (current.state === 'error') {
    const line = errorLine(current.error);
    line.classList.add('load-state');
    section.append(line);
  }
  for (const message of current.messages) section.append(renderMessage(message));
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
  // Checked here, before the file is even read: the gateway would refuse it only after the upload.
  if (limits && file.size > limits.max_image_bytes) {
    showComposerError(t('imageTooLarge', { size: mib(file.size), limit: mib(limits.max_image_bytes) }));
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
  updateTaskHint();
}

/** What the chosen task does with the typed text, said before sending (OCR takes none). */
function updateTaskHint() {
  const hint = $('task-hint');
  hint.hidden = task !== 'ocr' && task !== 'grounding';
  hint.textContent = hint.hidden ? '' : t(`taskHint_${task}`);
  const ocrText = task === 'ocr' && $('input').value.trim() !== '';
  if (ocrText) showComposerError(t('ocrNoText'));
  else if ($('composer-error').textContent === t('ocrNoText')) showComposerError('');
}

$('input').addEventListener('input', updateTaskHint);

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
  for (let i = messages.length - 1; i >= 0; i--) {
    const images = messages[i].role === 'user' ? messages[i].images || [] : [];
    if (images.length) return images[images.length - 1];
  }
  return null;
}

function setBusy(busy) {
  $('send').hidden = busy;
  $('send').disabled = busy;
  $('stop').hidden = !busy;
  document.body.classList.toggle('busy', busy);
}

/**
 * The open conversation's gateway id: a draft is created now, titled with its first question;
 * a stored conversation without a title (made by an API client) gets one.
 */
async function ensureConversation(conversation, title) {
  if (conversation.id && conversation.title) return conversation.id;
  const metadata = { ...conversation.metadata, title: truncate(title) };
  const stored = conversation.id
    ? await updateConversation(settings, conversation.id, metadata)
    : await createConversation(settings, metadata);
  conversation.id = stored.id;
  conversation.title = metadata.title;
  conversation.metadata = stored.metadata || metadata;
  conversations = [listed(stored), ...conversations.filter((c) => c.id !== stored.id)];
  if (current === conversation) {
    localStorage.setItem(CURRENT, stored.id);
    $('messages').dataset.conversation = stored.id;
  }
  renderConversations();
  return stored.id;
}

async function send() {
  if (controller || current.state !== 'ready') return;
  const conversation = current;
  const text = $('input').value.trim();
  const attached = attachment ? attachment.dataUrl : null;
  let image = attached;
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
  if (task === 'ocr' && text) { showComposerError(t('ocrNoText')); return; }
  // The request body is about the base64 image plus the text (UTF-8, at most 3 bytes a UTF-16 unit).
  const estimate = (image ? image.length : 0) + 3 * text.length + 4096;
  if (limits && estimate > limits.max_body_bytes) {
    showComposerError(t('bodyTooLarge', { size: mib(estimate), limit: mib(limits.max_body_bytes) }));
    return;
  }
  showComposerError('');

  // A task reusing the conversation's last image shows (and records) the question without it.
  const question = { role: 'user', text, images: attached ? [attached] : [], task };
  const answer = { role: 'assistant', text: '', state: 'streaming', deltas: 0, resultImage: varcoTask ? image : null };
  conversation.messages.push(question, answer);
  renderMessages();
  const index = conversation.messages.length - 1;
  $('input').value = '';
  clearAttachment();

  controller = new AbortController();
  const signal = controller.signal;
  setBusy(true);
  let bubble = $('messages').querySelectorAll('.message')[index];
  const onDelta = (soFar) => {
    answer.text = soFar;
    answer.deltas++;
    if (current === conversation && bubble.isConnected) {
      bubble.querySelector('.text').textContent = soFar;
      bubble.dataset.deltas = String(answer.deltas);
      $('messages').scrollTop = $('messages').scrollHeight;
    }
  };
  const fresh = !conversation.id;
  try {
    const id = await ensureConversation(conversation, text || t(`task_${task}`));
    if (!varcoTask) {
      const done = await sendTurn({ conversation: id, turn: { text, image }, settings, signal, onDelta });
      answer.text = done.text;
      answer.status = done.status;
      answer.id = done.itemId;
      answer.usage = done.usage;
      answer.state = 'done';
      if (done.status === 'incomplete') results.put(answer.id, null, { incomplete: true });
    } else {
      const done = await runTask({ turn: { text, image }, task: varcoTask, settings, signal, onDelta });
      answer.text = done.text;
      answer.result = done.result;
      answer.status = done.finishReason === 'length' ? 'incomplete' : 'completed';
      answer.usage = done.usage;
      answer.state = 'done';
      // The task ran outside the conversation; it is recorded there now, so the conversation
      // holds it for the list, another browser and API clients. Its boxes are kept here.
      try {
        const created = await addItems(settings, id, [userItem({ text, image: attached }), assistantItem(done.text)]);
        const item = created.find((c) => c.role === 'assistant');
        answer.id = item ? item.id : null;
        const asked = created.find((c) => c.role === 'user');
        if (asked) question.id = asked.id;
        results.put(answer.id, done.result, { incomplete: answer.status === 'incomplete' });
      } catch (e) {
        answer.notRecorded = describe(e);
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') {
      answer.state = 'stopped';
    } else {
      answer.state = 'error';
      answer.error = describe(e);
    }
    if (fresh && conversation.id) await dropIfEmpty(conversation);
  } finally {
    controller = null;
    setBusy(false);
    if (current === conversation) bubble = replaceBubble(index, answer);
  }
}

/**
 * A conversation this turn created, left without a recorded item (the turn failed or was stopped):
 * deleted again, so no empty titled conversation stays in the list; the page keeps it as a draft.
 */
async function dropIfEmpty(conversation) {
  try {
    if ((await conversationItems(settings, conversation.id)).length) return;
    await deleteConversation(settings, conversation.id);
  } catch {
    return; // left as it is: the list shows what the gateway holds
  }
  conversations = conversations.filter((c) => c.id !== conversation.id);
  conversation.id = null;
  conversation.title = '';
  conversation.metadata = {};
  if (current === conversation) {
    localStorage.removeItem(CURRENT);
    $('messages').dataset.conversation = '';
  }
  renderConversations();
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

async function start() {
  applyLanguage();
  limits = await requestLimits();
  showModel();
  await loadConversations();
  const saved = localStorage.getItem(CURRENT);
  if (saved && conversations.some((c) => c.id === saved)) await openConversation(saved);
  document.body.dataset.ready = 'true';
}

start();
