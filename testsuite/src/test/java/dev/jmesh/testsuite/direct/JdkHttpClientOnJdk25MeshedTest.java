package dev.jmesh.testsuite.direct;

import dev.jmesh.testing.Jdk;

/** The JDK's HttpClient suite on Temurin 25: the newest JDK's internals under the same tests. */
class JdkHttpClientOnJdk25MeshedTest extends JdkHttpClientMeshedTest {

  @Override
  Jdk jdk() {
    return Jdk.JDK25;
  }
}
