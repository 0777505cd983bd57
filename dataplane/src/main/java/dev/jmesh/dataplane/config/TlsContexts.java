package dev.jmesh.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.util.Set;

/**
 * Compiles the {@code envoy.transport_sockets.tls} transport socket of an inbound filter chain.
 * Certificates come only from certificate-provider instances (the workload's SVID and the mesh
 * root, which the identity work provides); inline or file certificates are refused.
 */
final class TlsContexts {

  static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

  private static final Set<String> TRANSPORT_SOCKET = Set.of("name", "typed_config");
  private static final Set<String> DOWNSTREAM =
      Set.of("common_tls_context", "require_client_certificate");
  private static final Set<String> COMMON =
      Set.of(
          "tls_certificate_provider_instance",
          "validation_context",
          "combined_validation_context",
          "alpn_protocols");
  private static final Set<String> COMBINED = Set.of("default_validation_context");
  private static final Set<String> VALIDATION = Set.of("ca_certificate_provider_instance");
  private static final Set<String> PROVIDER = Set.of("instance_name", "certificate_name");

  private TlsContexts() {}

  static DownstreamTls downstream(TransportSocket socket, String at) throws InvalidConfigException {
    SupportedFields.check(socket, at, TRANSPORT_SOCKET);
    Any any = socket.getTypedConfig();
    if (!any.is(DownstreamTlsContext.class)) {
      throw new InvalidConfigException(
          at + ".typed_config",
          "expected "
              + DownstreamTlsContext.getDescriptor().getFullName()
              + ", got "
              + (any.getTypeUrl().isEmpty() ? "nothing" : any.getTypeUrl()));
    }
    DownstreamTlsContext ctx;
    try {
      ctx = any.unpack(DownstreamTlsContext.class);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidConfigException(at + ".typed_config", "cannot be parsed: " + e.getMessage());
    }
    String cat = at + ".typed_config";
    SupportedFields.check(ctx, cat, DOWNSTREAM);
    CommonTlsContext common = ctx.getCommonTlsContext();
    String commonAt = cat + ".common_tls_context";
    SupportedFields.check(common, commonAt, COMMON);
    if (!common.hasTlsCertificateProviderInstance()) {
      throw new InvalidConfigException(
          commonAt + ".tls_certificate_provider_instance",
          "is required: the workload certificate comes from a certificate provider");
    }
    CertificateProviderPluginInstance cert =
        provider(
            common.getTlsCertificateProviderInstance(),
            commonAt + ".tls_certificate_provider_instance");
    CertificateProviderPluginInstance roots = null;
    if (common.hasValidationContext() && common.hasCombinedValidationContext()) {
      throw new InvalidConfigException(
          commonAt, "validation_context and combined_validation_context are exclusive");
    }
    if (common.hasValidationContext()) {
      roots = roots(common.getValidationContext(), commonAt + ".validation_context");
    } else if (common.hasCombinedValidationContext()) {
      String vat = commonAt + ".combined_validation_context";
      SupportedFields.check(common.getCombinedValidationContext(), vat, COMBINED);
      roots =
          roots(
              common.getCombinedValidationContext().getDefaultValidationContext(),
              vat + ".default_validation_context");
    }
    boolean requireClient =
        ctx.hasRequireClientCertificate() && ctx.getRequireClientCertificate().getValue();
    if (requireClient && roots == null) {
      throw new InvalidConfigException(
          cat + ".require_client_certificate",
          "needs a validation context to verify the client certificate against");
    }
    return new DownstreamTls(
        cert.getInstanceName(),
        cert.getCertificateName(),
        roots == null ? null : roots.getInstanceName(),
        roots == null ? null : roots.getCertificateName(),
        requireClient);
  }

  private static CertificateProviderPluginInstance roots(CertificateValidationContext v, String at)
      throws InvalidConfigException {
    SupportedFields.check(v, at, VALIDATION);
    if (!v.hasCaCertificateProviderInstance()) {
      throw new InvalidConfigException(at + ".ca_certificate_provider_instance", "is required");
    }
    return provider(v.getCaCertificateProviderInstance(), at + ".ca_certificate_provider_instance");
  }

  private static CertificateProviderPluginInstance provider(
      CertificateProviderPluginInstance p, String at) throws InvalidConfigException {
    SupportedFields.check(p, at, PROVIDER);
    if (p.getInstanceName().isEmpty()) {
      throw new InvalidConfigException(at + ".instance_name", "must not be empty");
    }
    return p;
  }
}
