package dev.jmesh.testsuite.direct;

/**
 * What {@link AbstractMeshedHttpClientTest} exercises; a client module says, per feature, whether
 * its requests take the direct path or go through the engine (the capability table).
 */
enum Feature {
  ROUTING,
  HEADER_ROUTE,
  WEIGHTED_SPLIT,
  RETRY,
  ONE_SHOT_BODY,
  PER_TRY_TIMEOUT,
  TIMEOUT,
  FAULT_DELAY,
  FAULT_ABORT,
  OUTLIER_EJECTION,
  CIRCUIT_BREAKER,
  MTLS
}
