package dev.jmesh.journal.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplayArgumentsTest {

  private static final Instant NOW = Instant.parse("2026-11-30T10:30:00Z");
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  @Test
  void timesInEveryAcceptedForm() throws Exception {
    assertThat(TimeArg.parse("from", "2026-11-30T10:00:00Z", NOW, BERLIN))
        .isEqualTo(Instant.parse("2026-11-30T10:00:00Z").toEpochMilli());
    assertThat(TimeArg.parse("from", "2026-11-30T10:00:00+02:00", NOW, BERLIN))
        .isEqualTo(Instant.parse("2026-11-30T08:00:00Z").toEpochMilli());
    // Local times are the operator's zone: 10:00 in Berlin in November is 09:00 UTC.
    assertThat(TimeArg.parse("from", "2026-11-30T10:00", NOW, BERLIN))
        .isEqualTo(Instant.parse("2026-11-30T09:00:00Z").toEpochMilli());
    assertThat(TimeArg.parse("from", "10:00", NOW, BERLIN))
        .isEqualTo(Instant.parse("2026-11-30T09:00:00Z").toEpochMilli());
    assertThat(TimeArg.parse("from", "-15m", NOW, BERLIN))
        .isEqualTo(Instant.parse("2026-11-30T10:15:00Z").toEpochMilli());
    assertThat(TimeArg.parse("to", "now", NOW, BERLIN)).isEqualTo(NOW.toEpochMilli());
    assertThat(TimeArg.parse("to", "1790000000000", NOW, BERLIN)).isEqualTo(1790000000000L);
    assertThatThrownBy(() -> TimeArg.parse("from", "yesterday", NOW, BERLIN))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--from yesterday is not a time");
  }

  @Test
  void durations() throws Exception {
    assertThat(TimeArg.DurationArg.parse("d", "250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(TimeArg.DurationArg.parse("d", "2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(TimeArg.DurationArg.parse("d", "1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(TimeArg.DurationArg.parse("d", "40")).isEqualTo(Duration.ofMillis(40));
    assertThatThrownBy(() -> TimeArg.DurationArg.parse("min-duration", "soon"))
        .hasMessageContaining("--min-duration soon is not a duration");
  }

  @Test
  void aRangeThatEndsBeforeItStartsIsRefused() {
    assertThatThrownBy(
            () ->
                EntryFilter.of(
                    ReplayArgs.parse(
                        "print",
                        new String[] {"--from", "10:00", "--to", "09:00"},
                        EntryFilter.OPTIONS,
                        Set.of()),
                    NOW,
                    BERLIN))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--from 10:00 is not before --to 09:00");
  }

  @Test
  void theProgressBarIsDrawnOnlyWhenEnabledAndErasedAtTheEnd() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ProgressBar bar =
        new ProgressBar(new PrintStream(err, true, StandardCharsets.UTF_8), "export", 200, true);
    assertThat(bar.render(50)).isEqualTo("export [#######.......................] 25% 50/200");
    bar.update(200);
    bar.finish();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("100% 200/200").endsWith("\r");
    ByteArrayOutputStream quiet = new ByteArrayOutputStream();
    ProgressBar off =
        new ProgressBar(new PrintStream(quiet, true, StandardCharsets.UTF_8), "export", 200, false);
    off.update(100);
    off.finish();
    assertThat(quiet.size()).isZero();
  }
}
