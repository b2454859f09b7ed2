package dev.varco.llm.engine;

/**
 * One image of a request, in conversation order.
 *
 * @param field where it sits in the request, e.g. {@code messages[0].content[1].image}, for errors
 */
public record ImageInput(byte[] data, String sha256, String field) {}
