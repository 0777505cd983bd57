package dev.jmesh.testing;

/** Status and body of one HTTP exchange with a forked JVM. */
public record HttpResult(int status, String body) {}
