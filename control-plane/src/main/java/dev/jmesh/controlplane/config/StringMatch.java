package dev.jmesh.controlplane.config;

/** Istio's StringMatch: one of {@code exact}, {@code prefix}, {@code regex} (RE2 syntax). */
public record StringMatch(Kind kind, String value, int line) {
  /** Which of the three forms. */
  public enum Kind {
    EXACT,
    PREFIX,
    REGEX
  }
}
