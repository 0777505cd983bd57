package dev.jmesh.dataplane.xds;

import com.google.protobuf.Message;
import java.util.Map;

/**
 * Where the {@link XdsClient} hands the resources it receives; the compiled config snapshot
 * implements it.
 *
 * <p>Each call carries the whole state of the world of one type: every resource of that type the
 * client now holds, by name (a Listener no longer in the map has been removed). The handler
 * applies what it accepts and returns the names it rejects with a reason; for a rejected name it
 * keeps the version it had before (or none), and so does the client, so the next call for that
 * type carries that last good version again. A rejection makes the client NACK the response,
 * while the accepted resources of the same response stay applied.
 *
 * <p>Called on the client's one thread, never concurrently; it should return quickly. Values are
 * of the type's message class ({@code Listener}, {@code RouteConfiguration}, {@code Cluster},
 * {@code ClusterLoadAssignment}).
 */
public interface XdsResourceHandler {

  XdsVerdict onResources(XdsResourceType type, Map<String, Message> resources);
}
