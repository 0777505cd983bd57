package dev.jmesh.dataplane.settings;

/**
 * A setting whose value cannot be used; the message says which, where it came from and what is
 * allowed.
 */
public final class BadSettingException extends Exception {
  private static final long serialVersionUID = 1L;

  public BadSettingException(String message) {
    super(message);
  }
}
