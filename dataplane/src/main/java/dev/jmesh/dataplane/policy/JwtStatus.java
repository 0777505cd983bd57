package dev.jmesh.dataplane.policy;

/** The outcome of checking a JWT, with Envoy's wording for the 401 body. */
public enum JwtStatus {
  OK("OK"),
  MISSING("Jwt is missing"),
  BAD_FORMAT("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"),
  HEADER_PARSE_ERROR("Jwt header is an invalid JSON"),
  PAYLOAD_PARSE_ERROR("Jwt payload is an invalid JSON"),
  UNSUPPORTED_ALGORITHM("Jwt header [alg] is not supported"),
  UNKNOWN_ISSUER("Jwt issuer is not configured"),
  AUDIENCE_NOT_ALLOWED("Audiences in Jwt are not allowed"),
  EXPIRED("Jwt is expired"),
  NOT_YET_VALID("Jwt not yet valid"),
  NO_MATCHING_KEY("Jwks doesn't have key to match kid or alg from Jwt"),
  VERIFICATION_FAILED("Jwt verification fails");

  private final String message;

  JwtStatus(String message) {
    this.message = message;
  }

  /** The body of the 401 Envoy sends for this failure. */
  public String message() {
    return message;
  }
}
