package dev.jmesh.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Unpacks the resources of one {@link DiscoveryResponse}: each must be of the response's type,
 * parse, have a name, and appear once. A resource that fails is an error of its own; the others
 * still decode. For a named type, resources the client did not ask for are dropped, as Envoy does.
 */
final class ResourceDecoder {
  private static final String WRAPPED_TYPE_URL =
      "type.googleapis.com/" + Resource.getDescriptor().getFullName();

  /** Decoded resources by name. */
  final Map<String, Message> resources = new LinkedHashMap<>();

  /** Why each bad resource was refused, by its name or, if it has none, by its position. */
  final Map<String, String> errors = new LinkedHashMap<>();

  /** Whether some bad resource's name could not be read. */
  boolean unnamedErrors;

  ResourceDecoder(XdsResourceType type, DiscoveryResponse response, Set<String> subscribed) {
    for (int i = 0; i < response.getResourcesCount(); i++) {
      decode(type, i, response.getResources(i), subscribed);
    }
  }

  private void decode(XdsResourceType type, int index, Any any, Set<String> subscribed) {
    String position = "resource #" + index;
    try {
      if (WRAPPED_TYPE_URL.equals(any.getTypeUrl())) {
        Resource wrapper = Resource.parseFrom(any.getValue());
        if (!wrapper.getName().isEmpty()) {
          position = wrapper.getName();
        }
        any = wrapper.getResource();
      }
      if (!type.typeUrl().equals(any.getTypeUrl())) {
        unnamed(position, "has type " + any.getTypeUrl() + " in a response of " + type.typeUrl());
        return;
      }
      Message resource = type.parser().parseFrom(any.getValue());
      String name = type.nameOf(resource);
      if (name.isEmpty()) {
        unnamed(position, "has no name");
      } else if (errors.containsKey(name) || resources.remove(name) != null) {
        errors.put(name, "appears more than once in the response");
      } else if (type.isWildcard() || subscribed.contains(name)) {
        resources.put(name, resource);
      }
    } catch (InvalidProtocolBufferException e) {
      unnamed(position, "does not parse as " + type.typeUrl() + ": " + e.getMessage());
    }
  }

  private void unnamed(String position, String reason) {
    errors.put(position, reason);
    unnamedErrors = true;
  }
}
