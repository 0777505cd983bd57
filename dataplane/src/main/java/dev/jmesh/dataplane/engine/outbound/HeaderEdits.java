package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.dataplane.route.HeaderMutation;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/** Applies a route's header mutations to Netty headers, in Envoy's order: removals, then adds. */
final class HeaderEdits {

  private HeaderEdits() {}

  static void apply(List<HeaderMutation> mutations, HttpHeaders headers) {
    for (int i = 0; i < mutations.size(); i++) {
      HeaderMutation m = mutations.get(i);
      for (int r = 0; r < m.remove().size(); r++) {
        headers.remove(m.remove().get(r));
      }
      for (int a = 0; a < m.add().size(); a++) {
        HeaderMutation.Addition add = m.add().get(a);
        if (add.value().isEmpty() && !add.keepEmptyValue()) {
          continue;
        }
        switch (add.action()) {
          case APPEND_IF_EXISTS_OR_ADD:
            headers.add(add.name(), add.value());
            break;
          case ADD_IF_ABSENT:
            if (!headers.contains(add.name())) {
              headers.set(add.name(), add.value());
            }
            break;
          case OVERWRITE_IF_EXISTS_OR_ADD:
            headers.set(add.name(), add.value());
            break;
          case OVERWRITE_IF_EXISTS:
            if (headers.contains(add.name())) {
              headers.set(add.name(), add.value());
            }
            break;
          default:
            break;
        }
      }
    }
  }
}
