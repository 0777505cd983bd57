package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.bootstrap.MeshHooks;
import io.grpc.Attributes;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerRegistry;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A channel's load balancing under the mesh. An attempt the mesh routed names its endpoint in its
 * call options and gets that endpoint's own subchannel (made on first use, one connection each), so
 * a split, a retry on another host or an ejection is never defeated by one multiplexed connection.
 * Every other RPC (not a mesh destination, or left to the engine) goes to the channel's own policy,
 * started only when such an RPC comes: a channel whose RPCs all go direct never opens the
 * connection its name resolves to. That policy connects where the socket hooks would send its
 * connections (the engine, for a mesh service), whatever sockets the transport uses.
 *
 * <p>Everything but {@link Picker#pickSubchannel} runs in the channel's synchronization context.
 */
final class MeshLoadBalancer extends LoadBalancer {

  private final Helper helper;
  private final String delegatePolicy;
  private final Map<EndpointKey, DirectSubchannel> endpoints = new ConcurrentHashMap<>();
  private ResolvedAddresses resolved;
  private Status resolutionError;
  private LoadBalancer delegate;
  private volatile SubchannelPicker delegatePicker;
  private ConnectivityState delegateState = ConnectivityState.CONNECTING;
  private boolean shutdown;
  private SynchronizationContext.ScheduledHandle sweep;

  /**
   * How long an endpoint's subchannel stays unused before it is closed: endpoints come and go with
   * the service's pods, and one the mesh no longer picks (removed, ejected) must not keep a
   * connection open for the channel's life.
   */
  private static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(2);

  MeshLoadBalancer(Helper helper, String delegatePolicy) {
    this.helper = helper;
    this.delegatePolicy = delegatePolicy;
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses addresses) {
    resolved = addresses;
    resolutionError = null;
    if (delegate != null) {
      return delegate.acceptResolvedAddresses(captured(addresses));
    }
    publish();
    return Status.OK;
  }

  @Override
  public void handleResolvedAddresses(ResolvedAddresses addresses) {
    acceptResolvedAddresses(addresses);
  }

  @Override
  public void handleNameResolutionError(Status error) {
    resolutionError = error;
    if (delegate != null) {
      delegate.handleNameResolutionError(error);
    } else {
      publish();
    }
  }

  @Override
  public void requestConnection() {
    if (delegate != null) {
      delegate.requestConnection();
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    if (delegate != null) {
      delegate.shutdown();
    }
    if (sweep != null) {
      sweep.cancel();
    }
    for (DirectSubchannel d : endpoints.values()) {
      d.subchannel.shutdown();
    }
    endpoints.clear();
  }

  /** Closes the subchannels of endpoints not picked for {@link #IDLE_NANOS}. */
  private void sweep() {
    sweep = null;
    long now = System.nanoTime();
    boolean removed = false;
    for (Map.Entry<EndpointKey, DirectSubchannel> e : endpoints.entrySet()) {
      if (now - e.getValue().lastPicked > IDLE_NANOS) {
        // In-flight RPCs on it finish; a pick racing with this one is made again on the next
        // picker, which opens a new subchannel.
        endpoints.remove(e.getKey());
        e.getValue().subchannel.shutdown();
        removed = true;
      }
    }
    if (removed) {
      publish();
    }
    scheduleSweep();
  }

  private void scheduleSweep() {
    if (sweep == null && !shutdown && !endpoints.isEmpty()) {
      sweep =
          helper
              .getSynchronizationContext()
              .schedule(
                  this::sweep,
                  IDLE_NANOS,
                  TimeUnit.NANOSECONDS,
                  helper.getScheduledExecutorService());
    }
  }

  /** The channel's own policy, for the first RPC the mesh did not route. */
  private void startDelegate() {
    if (delegate != null || shutdown) {
      return;
    }
    delegate =
        LoadBalancerRegistry.getDefaultRegistry()
            .getProvider(delegatePolicy)
            .newLoadBalancer(new DelegateHelper(helper, this));
    if (resolved != null) {
      delegate.acceptResolvedAddresses(captured(resolved));
    } else if (resolutionError != null) {
      delegate.handleNameResolutionError(resolutionError);
    }
  }

  /**
   * The addresses the channel's own policy connects to: each as the socket hooks would capture it
   * (a mesh service's virtual address becomes the engine's listener for it). Asked here, once per
   * resolution, because a transport with its own native sockets (grpc-netty-shaded's epoll)
   * connects without passing the JDK's socket hooks.
   */
  private static ResolvedAddresses captured(ResolvedAddresses addresses) {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    boolean changed = false;
    for (EquivalentAddressGroup group : addresses.getAddresses()) {
      List<SocketAddress> targets = new ArrayList<>();
      for (SocketAddress a : group.getAddresses()) {
        SocketAddress target = MeshHooks.beforeConnect(a);
        changed |= target != a;
        targets.add(target);
      }
      groups.add(new EquivalentAddressGroup(targets, group.getAttributes()));
    }
    return changed ? addresses.toBuilder().setAddresses(groups).build() : addresses;
  }

  void delegateUpdated(ConnectivityState state, SubchannelPicker picker) {
    delegateState = state;
    delegatePicker = picker;
    publish();
  }

  private void connect(EndpointKey key) {
    if (shutdown || endpoints.containsKey(key)) {
      return;
    }
    Attributes attributes =
        key.tls == null
            ? Attributes.EMPTY
            : Attributes.newBuilder().set(MeshCallOptions.TLS_ATTRIBUTE, key.tls).build();
    Subchannel subchannel =
        helper.createSubchannel(
            CreateSubchannelArgs.newBuilder()
                .setAddresses(new EquivalentAddressGroup(key.endpoint, attributes))
                .build());
    DirectSubchannel direct = new DirectSubchannel(subchannel);
    endpoints.put(key, direct);
    subchannel.start(
        state -> {
          direct.state = state;
          publish();
        });
    subchannel.requestConnection();
    scheduleSweep();
  }

  /** A new picker, so the channel picks again for the RPCs that were waiting. */
  private void publish() {
    if (shutdown) {
      return;
    }
    ConnectivityState state = delegate != null ? delegateState : ConnectivityState.CONNECTING;
    for (DirectSubchannel d : endpoints.values()) {
      if (d.state.getState() == ConnectivityState.READY) {
        state = ConnectivityState.READY;
        break;
      }
    }
    helper.updateBalancingState(state, new Picker(this));
  }

  private void later(Runnable task) {
    helper.getSynchronizationContext().execute(task);
  }

  /** Picks the mesh's endpoint for a routed attempt, the channel's own policy for the rest. */
  static final class Picker extends SubchannelPicker {

    private final MeshLoadBalancer lb;

    Picker(MeshLoadBalancer lb) {
      this.lb = lb;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      MeshEndpointAddress endpoint = args.getCallOptions().getOption(MeshCallOptions.ENDPOINT);
      if (endpoint == null) {
        SubchannelPicker own = lb.delegatePicker;
        if (own != null) {
          return own.pickSubchannel(args);
        }
        lb.later(lb::startDelegate);
        return PickResult.withNoResult();
      }
      EndpointKey key =
          new EndpointKey(endpoint, args.getCallOptions().getOption(MeshCallOptions.TLS));
      DirectSubchannel direct = lb.endpoints.get(key);
      if (direct == null) {
        lb.later(() -> lb.connect(key));
        return PickResult.withNoResult();
      }
      direct.lastPicked = System.nanoTime();
      ConnectivityStateInfo state = direct.state;
      // Ifs, not a switch: a switch on an enum compiles to a synthetic class to inject as well.
      if (state.getState() == ConnectivityState.READY) {
        return PickResult.withSubchannel(direct.subchannel);
      }
      if (state.getState() == ConnectivityState.TRANSIENT_FAILURE) {
        // The attempt fails now (even wait-for-ready): the mesh counts a connect failure and
        // retries elsewhere, as Envoy would.
        return PickResult.withDrop(state.getStatus());
      }
      if (state.getState() == ConnectivityState.IDLE) {
        lb.later(direct.subchannel::requestConnection);
      }
      return PickResult.withNoResult();
    }
  }

  /** One endpoint's subchannel and its latest state. */
  static final class DirectSubchannel {

    final Subchannel subchannel;
    volatile ConnectivityStateInfo state =
        ConnectivityStateInfo.forNonError(ConnectivityState.IDLE);
    volatile long lastPicked = System.nanoTime();

    DirectSubchannel(Subchannel subchannel) {
      this.subchannel = subchannel;
    }
  }

  /** An endpoint and the TLS of its connection: a plaintext and an mTLS connection never mix. */
  static final class EndpointKey {

    final MeshEndpointAddress endpoint;
    final SSLContext tls;

    EndpointKey(MeshEndpointAddress endpoint, SSLContext tls) {
      this.endpoint = endpoint;
      this.tls = tls;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof EndpointKey
          && ((EndpointKey) o).endpoint.equals(endpoint)
          && ((EndpointKey) o).tls == tls;
    }

    @Override
    public int hashCode() {
      return endpoint.hashCode() * 31 + System.identityHashCode(tls);
    }
  }
}
