// Draws a varco_task result (gateway README "VARCO tasks") over its image: one absolutely
// positioned box per phrase box / OCR line box, placed from the pixel box in percent of the
// original image size the result reports, so the boxes follow the image at any displayed size.

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The labelled boxes of a result: [{label, kind: 'phrase'|'ocr', item, pixels: [x1,y1,x2,y2]}],
 * item numbering the phrase or OCR line the box belongs to (its boxes share a colour).
 */
export function boxesOf(result) {
  const boxes = [];
  let item = 0;
  for (const [items, kind] of [[result.phrases || [], 'phrase'], [result.ocr_lines || [], 'ocr']]) {
    for (const entry of items) {
      for (const box of entry.boxes || []) {
        if (Array.isArray(box.pixels) && box.pixels.length === 4) boxes.push({ label: entry.text, kind, item, pixels: box.pixels });
      }
      item++;
    }
  }
  return boxes;
}

/**
 * A <figure> with the image and the result's boxes drawn over it, plus a summary line
 * (phrases, OCR lines, skipped fragments). t: the UI strings.
 */
export function renderResult(imageUrl, result, t) {
  const figure = el('figure', 'task-result');
  const phrases = (result.phrases || []).length;
  const lines = (result.ocr_lines || []).length;
  const skipped = result.skipped_count || 0;
  figure.dataset.type = result.type || '';
  figure.dataset.phrases = String(phrases);
  figure.dataset.ocrLines = String(lines);
  figure.dataset.skipped = String(skipped);

  const frame = el('div', 'task-frame');
  if (imageUrl) {
    const img = el('img', 'task-image');
    img.src = imageUrl;
    img.alt = t('resultImageAlt');
    frame.append(img);
  } else {
    frame.classList.add('no-image');
  }
  const width = (result.image && result.image.width) || 1;
  const height = (result.image && result.image.height) || 1;
  for (const box of boxesOf(result)) {
    const [x1, y1, x2, y2] = box.pixels;
    const div = el('div', `box box-${box.kind}`);
    div.style.left = `${(100 * x1) / width}%`;
    div.style.top = `${(100 * y1) / height}%`;
    div.style.width = `${(100 * (x2 - x1)) / width}%`;
    div.style.height = `${(100 * (y2 - y1)) / height}%`;
    div.style.setProperty('--hue', String((box.item * 67) % 360));
    div.title = `${box.label} [${box.pixels.join(', ')}]`;
    div.dataset.pixels = box.pixels.join(',');
    div.append(el('span', 'box-label', box.label));
    frame.append(div);
  }
  figure.append(frame);

  const caption = el('figcaption', 'task-summary',
    t('resultSummary', { type: t(`task_${result.type}`), phrases, lines, skipped }));
  figure.append(caption);
  const labels = [...(result.phrases || []), ...(result.ocr_lines || [])];
  if (labels.length) {
    const list = el('ol', 'task-items');
    for (const item of labels) list.append(el('li', null, `${item.text} (${(item.boxes || []).length})`));
    figure.append(list);
  }
  return figure;
}
