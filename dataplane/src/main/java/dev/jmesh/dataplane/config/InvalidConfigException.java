package dev.jmesh.dataplane.config;

/** Thrown while compiling one resource; becomes a {@link ConfigRejection}. */
final class InvalidConfigException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String field;
  private final String reason;

  InvalidConfigException(String field, String reason) {
    super(field + ": " + reason, null, false, false);
    this.field = field;
    this.reason = reason;
  }

  static InvalidConfigException unsupported(String field) {
    return new InvalidConfigException(field, "not supported");
  }

  /** This error with its field placed under {@code parent}. */
  InvalidConfigException under(String parent) {
    return new InvalidConfigException(SupportedFields.join(parent, field), reason);
  }

  ConfigRejection toRejection(String type, String name) {
    return new ConfigRejection(type, name, field, reason);
  }
}
