package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshHeaders;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import okhttp3.Headers;

/**
 * Where the data path writes header changes for an OkHttp request or response. OkHttp's request
 * and response builders cannot be read back, so changes go to a {@link Headers.Builder}, copied
 * from the original headers only on the first change that changes something: a response the route
 * leaves alone keeps its headers.
 */
final class HeadersView implements MeshHeaders {

  /**
   * {@code Headers.Builder.addUnsafeNonAscii}, which checks the name only (OkHttp 3.14, 4 and 5
   * have it); {@code null} on an OkHttp without it (3.9), where a mesh value goes through {@code
   * set} and its check of every character.
   */
  private static final MethodHandle ADD_UNCHECKED = addUnchecked();

  private final Headers original;
  private Headers.Builder edited;

  /** A view over {@code original}, unchanged until a change is written. */
  HeadersView(Headers original) {
    this.original = original;
  }

  /**
   * A view writing into {@code headers} directly: a local reply's own list, or the list an
   * attempt's or a response's builder holds ({@link BuilderHeaders}).
   */
  HeadersView(Headers.Builder headers) {
    this.original = null;
    this.edited = headers;
  }

  /** Whether anything was written. */
  boolean changed() {
    return edited != null;
  }

  /** The headers with every change; the original ones when nothing changed. */
  Headers headers() {
    return edited == null ? original : edited.build();
  }

  private Headers.Builder edited() {
    if (edited == null) {
      edited = original.newBuilder();
    }
    return edited;
  }

  @Override
  public boolean contains(String name) {
    return edited == null ? original.get(name) != null : edited.get(name) != null;
  }

  @Override
  public void set(String name, String value) {
    edited().set(name, value);
  }

  @Override
  public void setMeshValue(String name, String value) {
    if (ADD_UNCHECKED == null) {
      set(name, value);
      return;
    }
    Headers.Builder headers = edited().removeAll(name);
    try {
      Headers.Builder unused = (Headers.Builder) ADD_UNCHECKED.invokeExact(headers, name, value);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  @Override
  public void add(String name, String value) {
    edited().add(name, value);
  }

  @Override
  public void remove(String name) {
    if (edited == null && original.get(name) == null) {
      return;
    }
    edited().removeAll(name);
  }

  private static MethodHandle addUnchecked() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(
              Headers.Builder.class,
              "addUnsafeNonAscii",
              MethodType.methodType(Headers.Builder.class, String.class, String.class));
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return null;
    }
  }
}
