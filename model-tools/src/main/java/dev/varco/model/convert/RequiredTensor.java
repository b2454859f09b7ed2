package dev.varco.model.convert;

/** A tensor the converter reads, with the shape config.json implies for it. */
record RequiredTensor(String name, long... shape) {}
