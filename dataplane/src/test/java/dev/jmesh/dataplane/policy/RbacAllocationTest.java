package dev.jmesh.dataplane.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.route.HeaderMatch;
import dev.jmesh.dataplane.route.StringMatch;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RBAC runs on every inbound request: its matchers must not allocate. */
class RbacAllocationTest {

  @Test
  void evaluatingAPolicyTreeAllocatesNothing() {
    RbacMatcher permissions =
        RbacMatchers.and(
            List.of(
                RbacMatchers.header(
                    HeaderMatch.string(
                        ":method",
                        StringMatch.literal(StringMatch.Kind.EXACT, "GET", false),
                        false,
                        false)),
                RbacMatchers.urlPath(StringMatch.literal(StringMatch.Kind.PREFIX, "/api/", false)),
                RbacMatchers.destinationPort(9080),
                RbacMatchers.not(RbacMatchers.destinationIp(CidrBlock.of("192.168.0.0", 16)))));
    RbacMatcher principals =
        RbacMatchers.or(
            List.of(
                RbacMatchers.authenticated(
                    StringMatch.literal(StringMatch.Kind.CONTAINS, "/ns/prod/", false)),
                RbacMatchers.requestAuth(
                    List.of(RequestAuth.PRINCIPAL),
                    ValueMatch.string(StringMatch.literal(StringMatch.Kind.EXACT, "x/y", false)),
                    false),
                RbacMatchers.remoteIp(CidrBlock.of("10.0.0.0", 8))));
    RbacFilter filter =
        new RbacFilter(
            "envoy.filters.http.rbac",
            RbacFilter.Action.ALLOW,
            List.of(new RbacFilter.Policy("p", permissions, principals)));
    // Every matcher is reached: the principal is in another namespace, there is no JWT, and the
    // address decides.
    PolicyContext context =
        PolicyContext.of(
            FakePolicyRequest.get("/api/books?id=1")
                .from("spiffe://cluster.local/ns/default/sa/sleep")
                .fromIp("10.1.2.3"));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    boolean allowed = true;
    // Lower JIT tiers may allocate where the optimizing compiler does not; measure rounds until
    // the compiled code runs (bounded: 30 rounds of 100,000 checks).
    long allocated = Long.MAX_VALUE;
    for (int round = 0; round < 30 && allocated >= 10_000; round++) {
      long before = threads.getThreadAllocatedBytes(thread);
      for (int i = 0; i < 100_000; i++) {
        allowed &= !filter.denies(context);
      }
      allocated = threads.getThreadAllocatedBytes(thread) - before;
    }
    assertThat(allowed).isTrue();
    // Well under one byte per check: nothing but measurement noise.
    assertThat(allocated).isLessThan(10_000);
  }
}
