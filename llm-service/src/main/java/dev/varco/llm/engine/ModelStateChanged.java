package dev.varco.llm.engine;

/** CDI event fired when the engine's model becomes ready or fails to load. */
public record ModelStateChanged(GenerationEngine.State state) {}
