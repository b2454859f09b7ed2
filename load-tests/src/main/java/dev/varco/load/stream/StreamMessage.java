package dev.varco.load.stream;

/**
 * One server-sent event as the load generator saw it: when it arrived (epoch milliseconds) and
 * Gatling's JSON rendering of it ({@code {"event": ..., "data": ...}}, data inlined as JSON, or the
 * raw text for {@code [DONE]}).
 */
public record StreamMessage(long receivedAtMillis, String json) {}
