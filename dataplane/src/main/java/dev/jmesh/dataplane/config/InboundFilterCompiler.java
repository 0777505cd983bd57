package dev.jmesh.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.jmesh.dataplane.policy.InboundHttpFilter;
import dev.jmesh.dataplane.policy.RbacFilter;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

/**
 * Compiles the policy filters of inbound chains, recognised by their {@code typed_config} whatever
 * their name: HTTP RBAC, {@code jwt_authn} and {@code local_ratelimit} in an HTTP connection
 * manager, network RBAC before a TCP proxy or connection manager.
 */
final class InboundFilterCompiler {

  private InboundFilterCompiler() {}

  /** Whether {@code f} is one of the HTTP policy filters this class compiles. */
  static boolean isHttpPolicy(HttpFilter f) {
    Any c = f.getTypedConfig();
    return c.is(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)
        || c.is(JwtAuthentication.class)
        || c.is(LocalRateLimit.class);
  }

  /**
   * Compiles an HTTP policy filter ({@link #isHttpPolicy}); {@code null} when it does nothing (an
   * RBAC filter without rules).
   */
  static InboundHttpFilter http(HttpFilter f, String at) throws InvalidConfigException {
    Any c = f.getTypedConfig();
    String cat = at + ".typed_config";
    if (c.is(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)) {
      return RbacCompiler.http(
          f.getName(),
          unpack(c, io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class, cat),
          cat);
    }
    if (c.is(JwtAuthentication.class)) {
      return JwtAuthnCompiler.compile(unpack(c, JwtAuthentication.class, cat), cat);
    }
    if (c.is(LocalRateLimit.class)) {
      return LocalRateLimitCompiler.compile(unpack(c, LocalRateLimit.class, cat), cat);
    }
    throw new InvalidConfigException(at, "filter " + f.getName() + ": not supported");
  }

  static boolean isNetworkRbac(Filter f) {
    return f.getTypedConfig().is(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class);
  }

  /** Compiles a network RBAC filter; {@code null} when it has no rules. */
  static RbacFilter network(Filter f, String at) throws InvalidConfigException {
    String cat = at + ".typed_config";
    return RbacCompiler.network(
        f.getName(),
        unpack(
            f.getTypedConfig(),
            io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class,
            cat),
        cat);
  }

  private static <T extends Message> T unpack(Any any, Class<T> type, String at)
      throws InvalidConfigException {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidConfigException(at, "cannot be parsed: " + e.getMessage());
    }
  }
}
