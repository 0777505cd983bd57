package dev.jmesh.dataplane.accesslog;

/**
 * One Envoy file access log ({@code envoy.access_loggers.file}): where lines go and how they read.
 *
 * @param path {@code /dev/stdout}, {@code /dev/stderr} or an absolute file path
 * @param format the compiled format
 */
public record AccessLogSink(String path, AccessLogFormat format) {}
