// The only module that talks to the gateway. Conversations live in the gateway (OpenAI's
// Conversations API, plus its GET /v1/conversations listing extension); a chat turn is one
// POST /v1/responses with the conversation id and only the new turn; a VARCO task is a stateless
// POST /v1/chat/completions with varco_task, recorded in the conversation afterwards through
// POST /v1/conversations/{id}/items.

/** OpenAI's metadata limit: values of at most 512 characters (UTF-16 units, as the gateway counts). */
export const MAX_METADATA_VALUE = 512;

/** An OpenAI-shaped error ({message, type, param, code}) with the HTTP status it came with. */
export class ApiError extends Error {
  constructor(status, error) {
    super((error && error.message) || `HTTP ${status}`);
    this.status = status;
    this.error = error || {};
  }
}

function headers(settings, accept = 'application/json') {
  const h = { 'Content-Type': 'application/json', Accept: accept };
  if (settings.apiKey) h.Authorization = `Bearer ${settings.apiKey}`;
  return h;
}

async function failure(response) {
  let error;
  try { error = (await response.json()).error; } catch { error = null; }
  return new ApiError(response.status, error || { message: `HTTP ${response.status} ${response.statusText}` });
}

/** One JSON call; resolves to the parsed answer, rejects with ApiError. */
async function call(settings, method, path, body, signal) {
  const response = await fetch(path, {
    method, headers: headers(settings), body: body === undefined ? undefined : JSON.stringify(body), signal,
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/**
 * Text cut to at most max UTF-16 units (the unit the gateway's limits count) without splitting
 * a surrogate pair.
 */
export function truncate(text, max = MAX_METADATA_VALUE) {
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}

// ---- conversations ----

/** One page of the caller's conversations, newest first: {data: [{id, created_at, metadata}], has_more, last_id}. */
export function listConversations(settings, { after, limit = 50 } = {}) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (after) query.set('after', after);
  return call(settings, 'GET', `/v1/conversations?${query}`);
}

/** A new conversation with the given metadata (e.g. {title}). */
export function createConversation(settings, metadata = {}) {
  return call(settings, 'POST', '/v1/conversations', { metadata });
}

export function getConversation(settings, id) {
  return call(settings, 'GET', `/v1/conversations/${encodeURIComponent(id)}`);
}

/** Replaces the conversation's metadata. */
export function updateConversation(settings, id, metadata) {
  return call(settings, 'POST', `/v1/conversations/${encodeURIComponent(id)}`, { metadata });
}

export function deleteConversation(settings, id) {
  return call(settings, 'DELETE', `/v1/conversations/${encodeURIComponent(id)}`);
}

/** All the conversation's items, oldest first, following has_more/after pages. */
export async function conversationItems(settings, id) {
  const items = [];
  let after = null;
  for (;;) {
    const query = new URLSearchParams({ order: 'asc', limit: '100' });
    if (after) query.set('after', after);
    const page = await call(settings, 'GET', `/v1/conversations/${encodeURIComponent(id)}/items?${query}`);
    items.push(...(page.data || []));
    if (!page.has_more || !page.last_id) return items;
    after = page.last_id;
  }
}

/** Adds message items to the conversation; resolves to the created items (with their ids), in order. */
export async function addItems(settings, id, items) {
  const list = await call(settings, 'POST', `/v1/conversations/${encodeURIComponent(id)}/items`, { items });
  return list.data || [];
}

/** A page turn ({text, image}) as a Responses API user message item. */
export function userItem({ text, image }) {
  const content = [];
  if (image) content.push({ type: 'input_image', image_url: image, detail: 'auto' });
  content.push({ type: 'input_text', text: text || '' });
  return { type: 'message', role: 'user', content };
}

/** An answer text as an assistant message item. */
export function assistantItem(text) {
  return { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: text || '' }] };
}

/** A stored message item as a page message: {id, role, text, images: [data URLs]}. */
export function fromItem(item) {
  const parts = Array.isArray(item.content) ? item.content : [{ type: 'input_text', text: String(item.content || '') }];
  const texts = [];
  const images = [];
  for (const part of parts) {
    if (part.type === 'input_image' && part.image_url) images.push(part.image_url);
    else if (typeof part.text === 'string') texts.push(part.text);
  }
  return { id: item.id, role: item.role, text: texts.join('\n'), images };
}

// ---- streaming ----

/**
 * Splits an SSE buffer into complete events; returns {events: [data strings], rest}. Only
 * `data:` lines matter here (the type is in the data too); several in one event are joined.
 */
export function parseSse(buffer) {
  const events = [];
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop();
  for (const block of blocks) {
    const data = block.split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    if (data.length) events.push(data.join('\n'));
  }
  return { events, rest };
}

async function* sseData(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const parsed = parseSse(buffer + value);
    buffer = parsed.rest;
    yield* parsed.events;
  }
}

function sampling(settings, body, maxField) {
  if (settings.maxTokens) body[maxField] = settings.maxTokens;
  if (settings.temperature !== undefined && settings.temperature !== null) body.temperature = settings.temperature;
  return body;
}

/**
 * Sends one chat turn ({text, image}) in a conversation through POST /v1/responses (stream) and
 * streams the answer; onDelta(textSoFar, delta) per piece. Resolves to {text, status, itemId,
 * responseId, usage} once the gateway has recorded the turn (response.completed or
 * response.incomplete); rejects with ApiError (HTTP error, e.g. 409 conversation_busy, or an
 * in-stream `error` event) or the fetch's AbortError when signal aborts (the gateway then
 * cancels the generation and records nothing).
 */
export async function sendTurn({ conversation, turn, settings, signal, onDelta }) {
  const body = sampling(settings, { conversation, input: [userItem(turn)], stream: true }, 'max_output_tokens');
  const response = await fetch('/v1/responses', {
    method: 'POST', headers: headers(settings, 'text/event-stream'), body: JSON.stringify(body), signal,
  });
  if (!response.ok) throw await failure(response);
  const answer = { text: '', status: null, itemId: null, responseId: null, usage: null };
  for await (const data of sseData(response)) {
    const event = JSON.parse(data);
    switch (event.type) {
      case 'response.output_text.delta':
        if (event.delta) {
          answer.text += event.delta;
          onDelta(answer.text, event.delta);
        }
        break;
      case 'response.completed':
      case 'response.incomplete': {
        const done = event.response || {};
        const message = (done.output || []).find((item) => item.type === 'message') || {};
        const text = (message.content || []).filter((p) => p.type === 'output_text').map((p) => p.text).join('');
        answer.text = text || answer.text;
        answer.status = done.status || (event.type === 'response.completed' ? 'completed' : 'incomplete');
        answer.itemId = message.id || null;
        answer.responseId = done.id || null;
        answer.usage = done.usage || null;
        return answer;
      }
      case 'error':
        throw new ApiError(response.status, { message: event.message, code: event.code, type: event.code, param: event.param });
      case 'response.failed':
        throw new ApiError(response.status, (event.response && event.response.error) || { message: 'response failed' });
      default:
        break;
    }
  }
  throw new ApiError(response.status, { message: 'the answer stream ended before the response completed' });
}

/**
 * Runs a VARCO task on one image through POST /v1/chat/completions (stream, varco_task; the
 * task is a single-image prompt, so no history is sent). turn: {text, image}; task: the
 * varco_task object. Resolves to {text, finishReason, result, usage}; rejects as sendTurn.
 */
export async function runTask({ turn, task, settings, signal, onDelta }) {
  const content = [{ type: 'image_url', image_url: { url: turn.image } }];
  if (turn.text) content.push({ type: 'text', text: turn.text });
  const body = sampling(settings, {
    messages: [{ role: 'user', content }],
    stream: true,
    stream_options: { include_usage: true },
    varco_task: task,
  }, 'max_tokens');
  const response = await fetch('/v1/chat/completions', {
    method: 'POST', headers: headers(settings, 'text/event-stream'), body: JSON.stringify(body), signal,
  });
  if (!response.ok) throw await failure(response);
  const answer = { text: '', finishReason: null, result: null, usage: null };
  for await (const data of sseData(response)) {
    if (data === '[DONE]') return answer;
    const chunk = JSON.parse(data);
    if (chunk.error) throw new ApiError(response.status, chunk.error);
    if (chunk.usage) answer.usage = chunk.usage;
    if (chunk.varco_task) answer.result = chunk.varco_task;
    const choice = (chunk.choices || [])[0];
    if (!choice) continue;
    const delta = (choice.delta && choice.delta.content) || '';
    if (delta) {
      answer.text += delta;
      onDelta(answer.text, delta);
    }
    if (choice.finish_reason) answer.finishReason = choice.finish_reason;
  }
  return answer;
}

/** The served model's name, or null when the gateway cannot tell (no key, backend down). */
export async function modelName(settings) {
  try {
    const list = await call(settings, 'GET', '/v1/models');
    return (list.data && list.data[0] && list.data[0].id) || null;
  } catch {
    return null;
  }
}

/**
 * The gateway's request limits ({max_body_bytes, max_image_bytes, max_images}), which the page
 * checks before uploading; null when unknown (the gateway still refuses what is over them).
 */
export async function requestLimits() {
  try {
    const response = await fetch('/app/limits.json');
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}
