package dev.jmesh.dataplane.route;

/**
 * A {@code direct_response} route action: the data path answers without an upstream.
 *
 * @param status the HTTP status
 * @param body the body, {@code null} for none
 */
public record DirectResponse(int status, String body) {}
