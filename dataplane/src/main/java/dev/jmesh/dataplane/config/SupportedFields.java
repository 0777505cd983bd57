package dev.jmesh.dataplane.config;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.util.Map;
import java.util.Set;

/**
 * Rejects a message that sets a field the compiler does not read, so that nothing a control plane
 * asks for is silently ignored.
 */
final class SupportedFields {

  private SupportedFields() {}

  /**
   * Checks that {@code message} sets only fields named in {@code supported}.
   *
   * @param path where {@code message} is, e.g. {@code virtual_hosts[0].routes[2].match}
   * @throws InvalidConfigException naming the first unsupported field
   */
  static void check(MessageOrBuilder message, String path, Set<String> supported)
      throws InvalidConfigException {
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      String name = e.getKey().getName();
      if (!supported.contains(name)) {
        throw InvalidConfigException.unsupported(join(path, name));
      }
    }
    if (!message.getUnknownFields().asMap().isEmpty()) {
      throw new InvalidConfigException(
          path.isEmpty() ? "(message)" : path,
          "unknown field number " + message.getUnknownFields().asMap().keySet().iterator().next());
    }
  }

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
