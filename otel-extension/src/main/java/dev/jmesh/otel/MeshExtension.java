package dev.jmesh.otel;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;

/**
 * jmesh's extension of the OpenTelemetry Java agent: the agent's HTTP client and server spans get
 * the mesh's facts about their request ({@link MeshSpanAttributes}). Loaded by the agent from
 * {@code -Dotel.javaagent.extensions=jmesh-otel-extension.jar}; works with mesh.jar attached before
 * or after the OpenTelemetry agent.
 *
 * <p>Two pieces: a link that tells the mesh a tracer is here as soon as mesh.jar is ({@link
 * MeshLink}; checked again as spans start) — from then on the mesh keeps each request's facts under
 * the span it belongs to — and an exporter in front of the configured one that adds those facts to
 * each span it exports. The facts are added at export, not when the span ends, because the mesh
 * finishes its side of a request after the application's (the engine relays the response after the
 * handler wrote it).
 */
public final class MeshExtension implements AutoConfigurationCustomizerProvider {

  @Override
  public void customize(AutoConfigurationCustomizer customizer) {
    MeshLink.linkSoon();
    customizer.addTracerProviderCustomizer(
        (builder, config) -> builder.addSpanProcessor(new MeshLinkingSpanProcessor()));
    customizer.addSpanExporterCustomizer(
        (exporter, config) -> new MeshAttributesSpanExporter(exporter));
  }
}
