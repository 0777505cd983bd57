package dev.jmesh.dataplane.policy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.dataplane.route.HeaderMatch;
import dev.jmesh.dataplane.route.StringMatch;
import java.net.InetSocketAddress;
import java.util.List;

/** The kinds of RBAC principal and permission nodes; each is immutable and allocates nothing. */
public final class RbacMatchers {

  private RbacMatchers() {}

  /** {@code and_ids} / {@code and_rules}. */
  public static RbacMatcher and(List<RbacMatcher> all) {
    if (all.size() == 1) {
      return all.get(0);
    }
    RbacMatcher[] a = all.toArray(new RbacMatcher[0]);
    return c -> {
      for (RbacMatcher m : a) {
        if (!m.matches(c)) {
          return false;
        }
      }
      return true;
    };
  }

  /** {@code or_ids} / {@code or_rules}; also a policy's list of principals or permissions. */
  public static RbacMatcher or(List<RbacMatcher> any) {
    if (any.size() == 1) {
      return any.get(0);
    }
    RbacMatcher[] a = any.toArray(new RbacMatcher[0]);
    return c -> {
      for (RbacMatcher m : a) {
        if (m.matches(c)) {
          return true;
        }
      }
      return false;
    };
  }

  /** {@code not_id} / {@code not_rule}. */
  public static RbacMatcher not(RbacMatcher m) {
    return c -> !m.matches(c);
  }

  /** {@code header}: never matches on a connection-level check. */
  public static RbacMatcher header(HeaderMatch match) {
    return c -> c.request() != null && match.matches(c.request());
  }

  /** {@code url_path}: the path without its query string or fragment. */
  public static RbacMatcher urlPath(StringMatch match) {
    return c -> {
      if (c.request() == null) {
        return false;
      }
      String path = c.request().path();
      if (path == null) {
        return false;
      }
      int end = path.length();
      for (int i = 0; i < end; i++) {
        char ch = path.charAt(i);
        if (ch == '?' || ch == '#') {
          end = i;
          break;
        }
      }
      return match.matches(path, 0, end);
    };
  }

  /** {@code destination_port}: the port the peer connected to. */
  public static RbacMatcher destinationPort(int port) {
    return c -> c.connection().local() != null && c.connection().local().getPort() == port;
  }

  /** {@code destination_port_range}: {@code [start, end)}. */
  public static RbacMatcher destinationPortRange(int start, int end) {
    return c -> {
      InetSocketAddress local = c.connection().local();
      return local != null && local.getPort() >= start && local.getPort() < end;
    };
  }

  /** {@code destination_ip}. */
  public static RbacMatcher destinationIp(CidrBlock block) {
    return c ->
        c.connection().local() != null && block.contains(c.connection().local().getAddress());
  }

  /**
   * {@code direct_remote_ip}, {@code remote_ip} and {@code source_ip}: the peer's address. The
   * engine trusts no {@code X-Forwarded-For} hop, so Envoy's "remote" address is the direct one.
   */
  public static RbacMatcher remoteIp(CidrBlock block) {
    return c ->
        c.connection().remote() != null && block.contains(c.connection().remote().getAddress());
  }

  /**
   * {@code authenticated}: the peer proved a SPIFFE ID with mutual TLS, matching {@code name}
   * unless that is {@code null}.
   */
  public static RbacMatcher authenticated(StringMatch name) {
    return c -> {
      String principal = c.connection().peerPrincipal();
      return principal != null && (name == null || name.matches(principal));
    };
  }

  /**
   * {@code metadata} of filter {@code istio_authn}: walks {@code path} through what the request's
   * JWT proved ({@link RequestAuth#metadata()}); without a JWT the value is missing.
   */
  public static RbacMatcher requestAuth(List<String> path, ValueMatch value, boolean invert) {
    String[] keys = path.toArray(new String[0]);
    return c -> value.matches(lookup(c.auth(), keys)) != invert;
  }

  private static Value lookup(RequestAuth auth, String[] keys) {
    if (auth == null) {
      return null;
    }
    Struct s = auth.metadata();
    Value v = null;
    for (String key : keys) {
      if (s == null) {
        return null;
      }
      v = s.getFieldsMap().get(key);
      if (v == null) {
        return null;
      }
      s = v.hasStructValue() ? v.getStructValue() : null;
    }
    return v;
  }
}
