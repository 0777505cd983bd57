package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import io.grpc.ChannelCredentials;
import io.grpc.ChannelLogger;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MetricRecorder;
import io.grpc.NameResolver;
import io.grpc.NameResolverRegistry;
import io.grpc.SynchronizationContext;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The channel's helper as the channel's own policy sees it under the mesh: everything forwarded,
 * except that its pickers go to the {@link MeshLoadBalancer}, which publishes them with its own.
 */
final class DelegateHelper extends LoadBalancer.Helper {

  private final LoadBalancer.Helper channel;
  private final MeshLoadBalancer mesh;

  DelegateHelper(LoadBalancer.Helper channel, MeshLoadBalancer mesh) {
    this.channel = channel;
    this.mesh = mesh;
  }

  @Override
  public void updateBalancingState(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
    mesh.delegateUpdated(state, picker);
  }

  @Override
  public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
    return channel.createSubchannel(args);
  }

  @Override
  public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
    return channel.createOobChannel(eag, authority);
  }

  @Override
  public ManagedChannel createOobChannel(List<EquivalentAddressGroup> eag, String authority) {
    return channel.createOobChannel(eag, authority);
  }

  @Override
  public void updateOobChannelAddresses(ManagedChannel oob, EquivalentAddressGroup eag) {
    channel.updateOobChannelAddresses(oob, eag);
  }

  @Override
  public void updateOobChannelAddresses(ManagedChannel oob, List<EquivalentAddressGroup> eag) {
    channel.updateOobChannelAddresses(oob, eag);
  }

  @Override
  public ManagedChannel createResolvingOobChannel(String target) {
    return channel.createResolvingOobChannel(target);
  }

  @Override
  public ManagedChannelBuilder<?> createResolvingOobChannelBuilder(String target) {
    return channel.createResolvingOobChannelBuilder(target);
  }

  @Override
  public ManagedChannelBuilder<?> createResolvingOobChannelBuilder(
      String target, ChannelCredentials creds) {
    return channel.createResolvingOobChannelBuilder(target, creds);
  }

  @Override
  public void refreshNameResolution() {
    channel.refreshNameResolution();
  }

  @Override
  public void ignoreRefreshNameResolutionCheck() {
    channel.ignoreRefreshNameResolutionCheck();
  }

  @Override
  public SynchronizationContext getSynchronizationContext() {
    return channel.getSynchronizationContext();
  }

  @Override
  public ScheduledExecutorService getScheduledExecutorService() {
    return channel.getScheduledExecutorService();
  }

  @Override
  public String getAuthority() {
    return channel.getAuthority();
  }

  @Override
  public String getChannelTarget() {
    return channel.getChannelTarget();
  }

  @Override
  public ChannelCredentials getChannelCredentials() {
    return channel.getChannelCredentials();
  }

  @Override
  public ChannelCredentials getUnsafeChannelCredentials() {
    return channel.getUnsafeChannelCredentials();
  }

  @Override
  public ChannelLogger getChannelLogger() {
    return channel.getChannelLogger();
  }

  @Override
  public NameResolver.Args getNameResolverArgs() {
    return channel.getNameResolverArgs();
  }

  @Override
  public NameResolverRegistry getNameResolverRegistry() {
    return channel.getNameResolverRegistry();
  }

  @Override
  public MetricRecorder getMetricRecorder() {
    return channel.getMetricRecorder();
  }
}
