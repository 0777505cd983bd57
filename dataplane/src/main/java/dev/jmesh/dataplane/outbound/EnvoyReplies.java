package dev.jmesh.dataplane.outbound;

/**
 * The bodies of the responses a proxy makes itself, as Envoy words them, so that an application
 * sees the same text whether the engine or a direct path answered.
 */
public final class EnvoyReplies {

  public static final String NO_ROUTE = "";
  public static final String FAULT = "fault filter abort";
  public static final String NO_HEALTHY = "no healthy upstream";
  public static final String OVERFLOW =
      "upstream connect error or disconnect/reset before headers. reset reason: overflow";
  public static final String CONNECT_FAILURE =
      "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
  public static final String RESET =
      "upstream connect error or disconnect/reset before headers. reset reason: connection"
          + " termination";
  public static final String TIMEOUT = "upstream request timeout";

  private EnvoyReplies() {}
}
