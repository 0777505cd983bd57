package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mesh's policy over a channel's own ({@code jmesh_direct_over_pick_first}): registered once
 * per policy a channel names, and made the channel's default policy when it is built.
 */
public final class MeshLoadBalancerProvider extends LoadBalancerProvider {

  static final String PREFIX = "jmesh_direct_over_";

  private static final Map<String, Boolean> REGISTERED = new ConcurrentHashMap<>();

  private final String delegatePolicy;

  private MeshLoadBalancerProvider(String delegatePolicy) {
    this.delegatePolicy = delegatePolicy;
  }

  /**
   * The name of the mesh's policy over {@code policy}, registered if needed; {@code policy} itself
   * when it is already the mesh's, or unknown to the registry (the channel then fails as before).
   */
  static String over(String policy) {
    if (policy.startsWith(PREFIX)) {
      return policy;
    }
    LoadBalancerRegistry registry = LoadBalancerRegistry.getDefaultRegistry();
    if (registry.getProvider(policy) == null) {
      return policy;
    }
    if (REGISTERED.putIfAbsent(policy, Boolean.TRUE) == null) {
      registry.register(new MeshLoadBalancerProvider(policy));
    }
    return PREFIX + policy;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return PREFIX + delegatePolicy;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return new MeshLoadBalancer(helper, delegatePolicy);
  }

  @Override
  public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> config) {
    LoadBalancerProvider delegate =
        LoadBalancerRegistry.getDefaultRegistry().getProvider(delegatePolicy);
    return delegate.parseLoadBalancingPolicyConfig(config);
  }
}
