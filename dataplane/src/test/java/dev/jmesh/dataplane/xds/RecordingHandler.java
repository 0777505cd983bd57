package dev.jmesh.dataplane.xds;

import com.google.protobuf.Message;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * A handler that records each delivery and the thread it came on, applies what it accepts, and
 * rejects the resources its rule gives a reason for.
 */
final class RecordingHandler implements XdsResourceHandler {

  /** One call of the handler. */
  record Delivery(XdsResourceType type, Map<String, Message> resources, Thread thread) {}

  private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
  private final Map<XdsResourceType, Map<String, Message>> applied = new ConcurrentHashMap<>();
  private volatile BiFunction<String, Message, String> rule = (name, resource) -> null;

  /** Rejects every resource for which {@code rule} returns a reason. */
  void rejectWhen(BiFunction<String, Message, String> rule) {
    this.rule = rule;
  }

  @Override
  public XdsVerdict onResources(XdsResourceType type, Map<String, Message> resources) {
    Map<String, Message> before = applied.getOrDefault(type, Map.of());
    Map<String, Message> after = new TreeMap<>();
    Map<String, String> rejected = new TreeMap<>();
    resources.forEach(
        (name, resource) -> {
          String reason = rule.apply(name, resource);
          if (reason == null) {
            after.put(name, resource);
          } else {
            rejected.put(name, reason);
            if (before.containsKey(name)) {
              after.put(name, before.get(name));
            }
          }
        });
    applied.put(type, Map.copyOf(after));
    deliveries.add(new Delivery(type, Map.copyOf(resources), Thread.currentThread()));
    return XdsVerdict.rejected(rejected);
  }

  /** What is in force for {@code type}. */
  Map<String, Message> applied(XdsResourceType type) {
    return applied.getOrDefault(type, Map.of());
  }

  Delivery take(XdsResourceType type) throws InterruptedException {
    while (true) {
      Delivery d = deliveries.poll(5, TimeUnit.SECONDS);
      if (d == null) {
        throw new AssertionError("no " + type.shortName() + " delivery within 5 s");
      }
      if (d.type() == type) {
        return d;
      }
    }
  }

  /** A delivery arriving within {@code millis}, or null. */
  Delivery poll(long millis) throws InterruptedException {
    return deliveries.poll(millis, TimeUnit.MILLISECONDS);
  }
}
