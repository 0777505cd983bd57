package dev.jmesh.journal;

/** What the request or connection spoke, as Istio's {@code request_protocol} label. */
public enum JournalProtocol {
  HTTP("http"),
  GRPC("grpc"),
  TCP("tcp");

  private final String label;

  JournalProtocol(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The protocol with this code in the journal format; codes are ordinals and never reused. */
  static JournalProtocol ofCode(int code) {
    JournalProtocol[] all = values();
    if (code < 0 || code >= all.length) {
      throw new IllegalArgumentException("unknown protocol code " + code);
    }
    return all[code];
  }
}
