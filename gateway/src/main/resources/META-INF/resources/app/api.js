// The only module that talks to the gateway. Today a turn is one POST /v1/chat/completions
// carrying the whole conversation (the page keeps it); when the gateway stores conversations,
// sendTurn() becomes a POST /v1/responses with the conversation id and only the new turn, and
// the rest of the page stays as it is.

/** An OpenAI-shaped error ({message, type, param, code}) with the HTTP status it came with. */
export class ApiError extends Error {
  constructor(status, error) {
    super((error && error.message) || `HTTP ${status}`);
    this.status = status;
    this.error = error || {};
  }
}

function headers(settings) {
  const h = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
  if (settings.apiKey) h.Authorization = `Bearer ${settings.apiKey}`;
  return h;
}

/** One page message ({role, text, image}) as an OpenAI chat message. */
export function toChatMessage(message) {
  if (message.role !== 'user') return { role: message.role, content: message.text || '' };
  const parts = [];
  if (message.image) parts.push({ type: 'image_url', image_url: { url: message.image } });
  if (message.text) parts.push({ type: 'text', text: message.text });
  return { role: 'user', content: parts.length ? parts : '' };
}

/**
 * Splits an SSE buffer into complete events; returns {events: [data strings], rest}. Only
 * `data:` lines matter here (the gateway sends nothing else); several in one event are joined.
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

/**
 * Sends one turn and streams the answer. history: earlier page messages; turn: {text, image};
 * task: null or a varco_task object; onDelta(textSoFar, delta) per streamed piece. Resolves to
 * {text, finishReason, result, usage}; rejects with ApiError (HTTP or in-stream error) or the
 * fetch's AbortError when signal aborts (the gateway then cancels the generation upstream).
 */
export async function sendTurn({ history, turn, task, settings, signal, onDelta }) {
  const body = {
    messages: [...history, { role: 'user', ...turn }].map(toChatMessage),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (settings.maxTokens) body.max_tokens = settings.maxTokens;
  if (settings.temperature !== undefined && settings.temperature !== null) body.temperature = settings.temperature;
  if (task) body.varco_task = task;
  const response = await fetch('/v1/chat/completions', {
    method: 'POST', headers: headers(settings), body: JSON.stringify(body), signal,
  });
  if (!response.ok) {
    let error;
    try { error = (await response.json()).error; } catch { error = { message: `HTTP ${response.status} ${response.statusText}` }; }
    throw new ApiError(response.status, error);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const answer = { text: '', finishReason: null, result: null, usage: null };
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parsed = parseSse(buffer + value);
    buffer = parsed.rest;
    for (const data of parsed.events) {
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
  }
  return answer;
}

/** The served model's name, or null when the gateway cannot tell (no key, backend down). */
export async function modelName(settings) {
  try {
    const response = await fetch('/v1/models', { headers: headers(settings) });
    if (!response.ok) return null;
    const list = await response.json();
    return (list.data && list.data[0] && list.data[0].id) || null;
  } catch {
    return null;
  }
}
