package dev.jmesh.dataplane.outbound;

/**
 * Envoy's {@code %RESPONSE_CODE_DETAILS%} values for what the outbound path decided: constants, so
 * the record takes a reference and nothing is formatted per request.
 */
final class ResponseCodeDetails {

  static final String VIA_UPSTREAM = "via_upstream";
  static final String ROUTE_NOT_FOUND = "route_not_found";
  static final String CLUSTER_NOT_FOUND = "cluster_not_found";
  static final String OVERFLOW = "upstream_reset_before_response_started{overflow}";
  static final String NO_HEALTHY_UPSTREAM = "no_healthy_upstream";
  static final String FAULT_ABORT = "fault_filter_abort";
  static final String DIRECT_RESPONSE = "direct_response";
  static final String CONNECTION_FAILURE =
      "upstream_reset_before_response_started{connection_failure}";
  static final String REMOTE_RESET = "upstream_reset_before_response_started{remote_reset}";
  static final String PER_TRY_TIMEOUT = "upstream_per_try_timeout";
  static final String RESPONSE_TIMEOUT = "response_timeout";

  private ResponseCodeDetails() {}

  /** The details of a local answer; {@code null} for an action that sends the request on. */
  static String of(Exchange.Action action) {
    return switch (action) {
      case NO_ROUTE -> ROUTE_NOT_FOUND;
      case NO_CLUSTER -> CLUSTER_NOT_FOUND;
      case OVERFLOW -> OVERFLOW;
      case NO_HEALTHY_UPSTREAM -> NO_HEALTHY_UPSTREAM;
      case FAULT_ABORT -> FAULT_ABORT;
      case DIRECT_RESPONSE, REDIRECT -> DIRECT_RESPONSE;
      // The workload has no certificate for an mTLS host: the request fails as a connect failure.
      case REFUSED -> CONNECTION_FAILURE;
      case FORWARD -> null;
    };
  }
}
