package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import dev.jmesh.bootstrap.MeshHeaders;
import io.grpc.Metadata;

/** The mesh's header changes written into a call's metadata (ASCII headers only). */
final class MetadataHeaders implements MeshHeaders {

  private final Metadata metadata;

  MetadataHeaders(Metadata metadata) {
    this.metadata = metadata;
  }

  @Override
  public boolean contains(String name) {
    Metadata.Key<String> key = key(name);
    return key != null && metadata.containsKey(key);
  }

  @Override
  public void set(String name, String value) {
    Metadata.Key<String> key = key(name);
    if (key != null) {
      metadata.removeAll(key);
      metadata.put(key, value);
    }
  }

  @Override
  public void add(String name, String value) {
    Metadata.Key<String> key = key(name);
    if (key != null) {
      metadata.put(key, value);
    }
  }

  @Override
  public void remove(String name) {
    Metadata.Key<String> key = key(name);
    if (key != null) {
      metadata.removeAll(key);
    }
  }

  /** Pseudo-headers and binary headers are the transport's, never the route's to change. */
  private static Metadata.Key<String> key(String name) {
    if (name.startsWith(":") || name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
      return null;
    }
    try {
      return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
