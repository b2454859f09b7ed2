package dev.varco.gateway.upstream;

import dev.varco.proto.llm.v1.ModelDescription;

/** A CDI event: llm-service described its model (and how many requests it runs at once). */
public record BackendDescribed(ModelDescription description) {}
