package dev.varco.gateway.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads VARCO-VISION's answer: grounded phrases {@code <obj>phrase</obj><bbox>x1, y1, x2,
 * y2</bbox>} (the phrase stands inline in prose), OCR lines {@code <char>text</char><bbox>..</bbox>}
 * (one a line) and several boxes for one phrase joined by {@code <delim>} inside the
 * {@code <bbox>}.
 *
 * <p>It never throws on model output, whatever it is, and runs in time linear in its length: one
 * hand-written left-to-right scan, no regular expressions, no backtracking. What it cannot read is
 * reported in {@link TaskOutput#skipped()} and handled so as to lose as little as possible:
 *
 * <ul>
 *   <li>phrase text is always kept in {@link TaskOutput#text()}, also when its tag is unclosed or
 *       its box unreadable; tags, coordinates and stray markup are removed;
 *   <li>an {@code <obj>} or {@code <char>} interrupted by another task tag (nesting, a missing
 *       close) is unclosed: its text is kept as plain text and the scan resumes at that tag;
 *   <li>a {@code <bbox>} ends at {@code </bbox>}; one cut by another tag, a newline or the end of the
 *       answer (a generation stopped by its token limit) is skipped whole, as is one with no phrase
 *       before it;
 *   <li>each box of a {@code <bbox>} is checked alone and skipped, not clamped, when it does not
 *       have exactly 4 comma-separated plain decimal numbers (no NaN, Infinity or hex), when a
 *       value lies outside 0..1 or when a corner pair is swapped ({@code x1 > x2}): a box the model
 *       got that wrong is not one to draw. Equal corners are kept (rounding to 3 decimals can shrink
 *       a thin line of text to width 0). A phrase keeps its valid boxes; with none it stays text;
 *   <li>an empty phrase ({@code <obj></obj>}) and the input-only tokens {@code <gro>}, {@code <ocr>}
 *       in the answer are skipped.
 * </ul>
 *
 * <p>Pixel coordinates are computed from the normalized ones with {@link NormalizedBox#toPixels}.
 */
public final class TaskOutputParser {
  static final int MAX_REPORTS = 100;
  static final int FRAGMENT_CHARS = 80;
  private static final int MAX_NUMBER_CHARS = 32;
  private static final String[] COORDINATES = {"x1", "y1", "x2", "y2"};

  private final String s;
  private final ImageSize size;
  private final StringBuilder text = new StringBuilder();
  private final List<LocatedText> phrases = new ArrayList<>();
  private final List<LocatedText> ocrLines = new ArrayList<>();
  private final List<SkippedFragment> skipped = new ArrayList<>();
  private int skippedCount;

  private TaskOutputParser(String output, ImageSize size) {
    this.s = output == null ? "" : output;
    this.size = Objects.requireNonNull(size, "size");
  }

  /**
   * @param output the model's answer as decoded text (null reads as empty)
   * @param size the original image's upright size, for pixel coordinates
   */
  public static TaskOutput parse(String output, ImageSize size) {
    return new TaskOutputParser(output, size).run();
  }

  private TaskOutput run() {
    int n = s.length();
    int i = 0;
    while (i < n) {
      int lt = s.indexOf('<', i);
      if (lt < 0) {
        text.append(s, i, n);
        break;
      }
      text.append(s, i, lt);
      String tag = TaskTokens.at(s, lt);
      if (tag == null) {
        text.append('<');
        i = lt + 1;
        continue;
      }
      int after = lt + tag.length();
      i = switch (tag) {
        case TaskTokens.OBJ_OPEN, TaskTokens.CHAR_OPEN -> label(tag, lt, after);
        case TaskTokens.BBOX_OPEN -> {
          int end = bbox(after).end;
          skip(lt, end, "<bbox> without an <obj> or <char> phrase before it");
          yield end;
        }
        case TaskTokens.GRO, TaskTokens.OCR -> {
          skip(lt, after, "the input-only task token " + tag + " in the answer");
          yield after;
        }
        default -> {
          skip(lt, after, "stray " + tag);
          yield after;
        }
      };
    }
    return new TaskOutput(text.toString(), phrases, ocrLines, skipped, skippedCount);
  }

  /** A phrase from its opening tag at {@code open}; returns where the scan goes on. */
  private int label(String tag, int open, int contentStart) {
    String close = tag.equals(TaskTokens.OBJ_OPEN) ? TaskTokens.OBJ_CLOSE : TaskTokens.CHAR_CLOSE;
    int k = contentStart;
    String next = null;
    while (next == null) {
      k = s.indexOf('<', k);
      if (k < 0) {
        skip(open, s.length(), "unclosed " + tag + " at the end of the answer");
        text.append(s, contentStart, s.length());
        return s.length();
      }
      next = TaskTokens.at(s, k);
      if (next == null) {
        k++;
      }
    }
    if (!next.equals(close)) {
      skip(open, k, "unclosed " + tag + ": " + next + " came before " + close);
      text.append(s, contentStart, k);
      return k;
    }
    String phrase = s.substring(contentStart, k);
    int start = text.length();
    text.append(phrase);
    int afterClose = k + close.length();
    if (!s.startsWith(TaskTokens.BBOX_OPEN, afterClose)) {
      skip(open, afterClose, tag + " phrase without a <bbox> right after it");
      return afterClose;
    }
    Bbox bbox = bbox(afterClose + TaskTokens.BBOX_OPEN.length());
    if (!bbox.closed) {
      skip(afterClose, bbox.end, bbox.end == s.length() ? "unclosed <bbox> at the end of the answer" : "unclosed <bbox>");
      return bbox.end;
    }
    if (phrase.isBlank()) {
      skip(open, bbox.end, "empty " + tag + " phrase");
      return bbox.end;
    }
    List<LocatedBox> boxes = new ArrayList<>();
    for (int b = 0; b < bbox.bounds.size(); b += 2) {
      NormalizedBox box = box(bbox.bounds.get(b), bbox.bounds.get(b + 1));
      if (box != null) {
        boxes.add(new LocatedBox(box, box.toPixels(size)));
      }
    }
    if (!boxes.isEmpty()) {
      LocatedText located = new LocatedText(phrase, boxes, start, text.length());
      (tag.equals(TaskTokens.OBJ_OPEN) ? phrases : ocrLines).add(located);
    }
    return bbox.end;
  }

  /**
   * The {@code <bbox>} body from {@code contentStart}: the [start, end) bounds of its
   * {@code <delim>}-separated boxes, and where it ends (after {@code </bbox>}, or at the tag or
   * newline that cut it short, which the scan then reads).
   */
  private record Bbox(List<Integer> bounds, int end, boolean closed) {}

  private Bbox bbox(int contentStart) {
    List<Integer> bounds = new ArrayList<>();
    int boxStart = contentStart;
    for (int k = contentStart; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '\n') {
        return new Bbox(bounds, k, false);
      }
      String tag = c == '<' ? TaskTokens.at(s, k) : null;
      if (tag == null) {
        continue;
      }
      bounds.add(boxStart);
      bounds.add(k);
      if (tag.equals(TaskTokens.DELIM)) {
        boxStart = k + tag.length();
        k = boxStart - 1;
      } else {
        return tag.equals(TaskTokens.BBOX_CLOSE) ? new Bbox(bounds, k + tag.length(), true) : new Bbox(bounds, k, false);
      }
    }
    return new Bbox(bounds, s.length(), false);
  }

  /** The box written in {@code s[from, to)}, or null (reported) when it is not a valid one. */
  private NormalizedBox box(int from, int to) {
    int commas = 0;
    for (int k = from; k < to; k++) {
      if (s.charAt(k) == ',') {
        commas++;
      }
    }
    if (commas != 3) {
      skip(from, to, "expected 4 comma-separated numbers, found " + (commas + 1) + " fields");
      return null;
    }
    double[] v = new double[4];
    int fieldStart = from;
    for (int f = 0; f < 4; f++) {
      int fieldEnd = f < 3 ? s.indexOf(',', fieldStart) : to;
      String reason = number(fieldStart, fieldEnd, v, f);
      if (reason != null) {
        skip(from, to, reason);
        return null;
      }
      fieldStart = fieldEnd + 1;
    }
    for (int f = 0; f < 4; f++) {
      if (v[f] < 0 || v[f] > 1) {
        skip(from, to, COORDINATES[f] + " = " + v[f] + " is outside 0..1");
        return null;
      }
    }
    if (v[0] > v[2] || v[1] > v[3]) {
      skip(from, to, v[0] > v[2] ? "x1 > x2 (corners swapped)" : "y1 > y2 (corners swapped)");
      return null;
    }
    return new NormalizedBox(v[0], v[1], v[2], v[3]);
  }

  /** Parses field {@code f} from {@code s[from, to)} into {@code v[f]}; the reason when it cannot. */
  private String number(int from, int to, double[] v, int f) {
    while (from < to && Character.isWhitespace(s.charAt(from))) {
      from++;
    }
    while (to > from && Character.isWhitespace(s.charAt(to - 1))) {
      to--;
    }
    String name = COORDINATES[f];
    if (from == to) {
      return name + " is empty";
    }
    if (to - from > MAX_NUMBER_CHARS) {
      return name + " is not a number (" + (to - from) + " chars)";
    }
    String field = s.substring(from, to);
    for (int k = 0; k < field.length(); k++) {
      if ("0123456789.+-eE".indexOf(field.charAt(k)) < 0) {
        return name + " is not a number: " + field;
      }
    }
    try {
      v[f] = Double.parseDouble(field);
    } catch (NumberFormatException e) {
      return name + " is not a number: " + field;
    }
    return Double.isFinite(v[f]) ? null : name + " is not finite: " + field;
  }

  private void skip(int from, int to, String reason) {
    skippedCount++;
    if (skipped.size() < MAX_REPORTS) {
      int cut = Math.min(to, from + FRAGMENT_CHARS);
      if (cut < to && Character.isHighSurrogate(s.charAt(cut - 1))) {
        cut--;
      }
      skipped.add(new SkippedFragment(from, s.substring(from, cut) + (cut < to ? "…" : ""), reason));
    }
  }
}
