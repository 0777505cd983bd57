package dev.jmesh.testapps.bookinfo;

/** A service's answer to one request: its path and the {@code end-user} header (or null). */
@FunctionalInterface
interface Responder {

  Answer answer(String path, String endUser) throws Exception;
}
