package dev.varco.gateway.tasks;

/**
 * A piece of model output the parser could not read as markup, and why (an unclosed tag, a box
 * without a phrase, a coordinate that is not a number or outside 0..1, swapped corners, ...).
 * {@code offset} is the fragment's char index in the model output; {@code fragment} is its start,
 * at most {@value TaskOutputParser#FRAGMENT_CHARS} chars followed by {@code …} when longer.
 */
public record SkippedFragment(int offset, String fragment, String reason) {}
