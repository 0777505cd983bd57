package dev.jmesh.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedactionTest {

  @TempDir Path tmp;

  private static final String[] SECRETS = {
    "Bearer s3cr3t-token-AAAA",
    "session=s3cr3t-cookie-BBBB",
    "id=s3cr3t-set-cookie-CCCC",
    "Basic s3cr3t-proxy-DDDD",
    "s3cr3t-api-key-EEEE"
  };

  @Test
  void credentialsAndConfiguredHeadersNeverReachTheDisk() throws Exception {
    Path dir = tmp.resolve("journal");
    try (Journal journal =
        Journal.open(JournalSettings.builder(dir).redactHeaders(List.of("X-Api-Key")).build())) {
      JournalRecord r = SampleRecords.reviews(new JournalRecord(), 1, System.currentTimeMillis());
      r.addRequestHeader("Authorization", SECRETS[0])
          .addRequestHeader("cookie", SECRETS[1])
          .addResponseHeader("Set-Cookie", SECRETS[2])
          .addRequestHeader("PROXY-AUTHORIZATION", SECRETS[3])
          .addRequestHeader("x-api-key", SECRETS[4])
          .addRequestHeader("accept", "application/json");
      journal.offer(r);
    }

    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        for (String secret : SECRETS) {
          assertThat(content).as(f + " holds " + secret).doesNotContain("s3cr3t");
        }
      }
    }
    JournalEntry e = JournalRoundTripTest.readAll(dir).get(0);
    assertThat(e.requestHeaders())
        .containsExactly(
            new JournalHeader("Authorization", "[REDACTED]"),
            new JournalHeader("cookie", "[REDACTED]"),
            new JournalHeader("PROXY-AUTHORIZATION", "[REDACTED]"),
            new JournalHeader("x-api-key", "[REDACTED]"),
            new JournalHeader("accept", "application/json"));
    assertThat(e.responseHeaders()).containsExactly(new JournalHeader("Set-Cookie", "[REDACTED]"));
  }
}
