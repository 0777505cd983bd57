package dev.jmesh.controlplane.ca;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.controlplane.ca.token.Authentication;
import dev.jmesh.controlplane.internal.xds.ProxyNode;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.logging.Logger;

/**
 * Registration behind the proven identity: on the TLS port, a workload's xDS {@code node} must
 * announce the namespace and service account the caller proved (by its join token or its
 * certificate), since the node is what registers it as an endpoint. A node claiming another
 * identity ends the stream with PERMISSION_DENIED, saying what was claimed and what was proved,
 * before anything is registered. Runs inside {@link CallerAuthentication}, which has already
 * refused callers who proved nothing.
 */
public final class NodeIdentityCheck implements ServerInterceptor {
  private static final Logger logger = Logger.getLogger(NodeIdentityCheck.class.getName());

  private final CaMetrics metrics;

  public NodeIdentityCheck(CaMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Authentication caller = CallerAuthentication.CALLER.get();
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean closed;

      @Override
      public void onMessage(Q message) {
        if (closed) {
          return;
        }
        Node node = message instanceof DiscoveryRequest r && r.hasNode() ? r.getNode()
            : message instanceof DeltaDiscoveryRequest d && d.hasNode() ? d.getNode() : null;
        String refusal = node == null || caller == null ? null : refusal(node, caller);
        if (refusal != null) {
          closed = true;
          metrics.registrationRefused();
          logger.warning(refusal);
          call.close(Status.PERMISSION_DENIED.withDescription(refusal), new Metadata());
          // The handler learns the stream is over, so it forgets the connection it opened.
          super.onCancel();
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        if (!closed) {
          super.onCancel();
        }
      }
    };
  }

  /** Why {@code node} may not register as {@code caller}, or {@code null} when it may. */
  static String refusal(Node node, Authentication caller) {
    String namespace = ProxyNode.from(node).namespace();
    String serviceAccount = text(node.getMetadata(), "SERVICE_ACCOUNT");
    if (namespace.equals(caller.namespace()) && serviceAccount.equals(caller.serviceAccount())) {
      return null;
    }
    return "node " + node.getId() + " announces namespace " + namespace + ", service account "
        + (serviceAccount.isEmpty() ? "(none)" : serviceAccount) + ", but the caller proved "
        + caller.namespace() + "/" + caller.serviceAccount()
        + "; a workload registers only as the identity it proved";
  }

  private static String text(Struct metadata, String key) {
    Value v = metadata.getFieldsMap().get(key);
    return v == null ? "" : v.getStringValue();
  }
}
