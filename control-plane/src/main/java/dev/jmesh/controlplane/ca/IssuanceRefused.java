package dev.jmesh.controlplane.ca;

/** A certificate request the CA will not sign, with a reason the caller can act on. */
public final class IssuanceRefused extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why; {@link #label()} is the metric label. */
  public enum Reason {
    MALFORMED_CSR("malformed_csr"),
    CSR_SIGNATURE_INVALID("csr_signature_invalid"),
    UNSUPPORTED_KEY("unsupported_key"),
    CA_UNAVAILABLE("ca_unavailable");

    private final String label;

    Reason(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Reason reason;

  public IssuanceRefused(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
