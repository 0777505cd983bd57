package dev.jmesh.testapps.httpclients;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** How the gRPC libraries report an RPC's status in the HTTP terms the suite reads. */
class GrpcOutcomeTest {

  @Test
  void aPodsNonGrpcAnswerIsItsHttpStatusAndBody() {
    Outcome o =
        GrpcLibrary.outcome(
            Status.UNAVAILABLE.withDescription(
                "HTTP status code 503\ninvalid content-type: text/plain\nheaders: Metadata()\n"
                    + "DATA-----------------------------\npod=reviews-v1-b\nhost=reviews:9080\n"));
    assertThat(o.status()).isEqualTo(503);
    assertThat(o.firstLine()).isEqualTo("pod=reviews-v1-b");
  }

  @Test
  void otherStatusesMapAsEnvoyMapsThemToHttp() {
    assertThat(GrpcLibrary.outcome(Status.UNAVAILABLE.withDescription("fault filter abort")))
        .isEqualTo(new Outcome(503, "HTTP_2", "fault filter abort"));
    assertThat(GrpcLibrary.outcome(Status.PERMISSION_DENIED).status()).isEqualTo(403);
    assertThat(GrpcLibrary.outcome(Status.UNKNOWN).status()).isEqualTo(500);
  }

  @Test
  void aDeadlineIsLeftToTheExceptionTheApplicationCatches() {
    assertThat(GrpcLibrary.outcome(Status.DEADLINE_EXCEEDED)).isNull();
  }
}
