package dev.jmesh.dataplane.config;

/**
 * The TLS an inbound chain terminates (Envoy's {@code DownstreamTlsContext}), with certificates
 * named by certificate-provider instance as Istio's proxyless bootstrap names them: the workload
 * certificate {@code default} and the root {@code ROOTCA} of instance {@code default}.
 *
 * @param certificateInstance the provider instance of the workload certificate
 * @param certificateName the workload certificate's name within it
 * @param validationInstance the provider instance of the trusted roots, {@code null} when the peer
 *     is not verified
 * @param validationCertificateName the roots' name within it
 * @param requireClientCertificate whether a peer without a certificate is refused (mutual TLS)
 */
public record DownstreamTls(
    String certificateInstance,
    String certificateName,
    String validationInstance,
    String validationCertificateName,
    boolean requireClientCertificate) {}
