package dev.jmesh.journal;

/**
 * Which end of a call wrote the entry, as Istio's {@code reporter} label: the client side
 * (outbound) is {@code source}, the server side (inbound) is {@code destination}.
 */
public enum JournalReporter {
  SOURCE("source"),
  DESTINATION("destination");

  private final String label;

  JournalReporter(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The reporter with this code in the journal format; codes are ordinals and never reused. */
  static JournalReporter ofCode(int code) {
    return code == 0 ? SOURCE : DESTINATION;
  }
}
