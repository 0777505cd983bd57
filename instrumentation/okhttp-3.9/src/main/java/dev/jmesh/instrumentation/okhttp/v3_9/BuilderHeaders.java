package dev.jmesh.instrumentation.okhttp.v3_9;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import okhttp3.Headers;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The header list a {@link Request.Builder} or {@link Response.Builder} holds, to write the mesh's
 * changes into in place. Through the public API a changed header costs OkHttp three more copies of
 * the whole list: into the view that takes the change, out of it, and into the builder again ({@code
 * headers(Headers)} copies what it is given). Every OkHttp line from 3.9 to 5.x keeps the list in a
 * field named {@code headers}, package-private in 3.x, {@code internal} in the Kotlin ones; where it
 * cannot be read (another layout, a module that does not open OkHttp), {@link #of} says {@code null}
 * and the caller takes the copying way.
 */
final class BuilderHeaders {

  private static final MethodHandle REQUEST = getter(Request.Builder.class);
  private static final MethodHandle RESPONSE = getter(Response.Builder.class);

  private BuilderHeaders() {}

  /** {@code builder}'s own header list, or {@code null} when this OkHttp does not let us at it. */
  static Headers.Builder of(Request.Builder builder) {
    return read(REQUEST, builder);
  }

  /** {@code builder}'s own header list, or {@code null} when this OkHttp does not let us at it. */
  static Headers.Builder of(Response.Builder builder) {
    return read(RESPONSE, builder);
  }

  private static Headers.Builder read(MethodHandle getter, Object builder) {
    if (getter == null) {
      return null;
    }
    try {
      return (Headers.Builder) getter.invoke(builder);
    } catch (Throwable t) {
      return null;
    }
  }

  private static MethodHandle getter(Class<?> builder) {
    try {
      return MethodHandles.privateLookupIn(builder, MethodHandles.lookup())
          .findGetter(builder, "headers", Headers.Builder.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
