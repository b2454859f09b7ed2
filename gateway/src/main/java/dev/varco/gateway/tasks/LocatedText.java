package dev.varco.gateway.tasks;

import java.util.List;

/**
 * A grounded phrase ({@code <obj>..</obj>}) or OCR line ({@code <char>..</char>}) with its one or
 * more boxes ({@code <delim>}-separated in the output), in output order. {@code start} and
 * {@code end} locate {@code text} in {@link TaskOutput#text()}: {@code text().substring(start, end)}
 * equals {@code text}, so a client can highlight the phrase in the answer.
 */
public record LocatedText(String text, List<LocatedBox> boxes, int start, int end) {
  public LocatedText {
    boxes = List.copyOf(boxes);
  }
}
