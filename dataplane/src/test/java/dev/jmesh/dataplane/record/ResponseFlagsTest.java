package dev.jmesh.dataplane.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ResponseFlagsTest {

  @Test
  void noFlagRendersAsADash() {
    assertThat(ResponseFlags.toShortString(0)).isEqualTo("-");
  }

  @Test
  void oneFlagRendersAsItsShortName() {
    assertThat(ResponseFlags.toShortString(ResponseFlag.UH.bit())).isEqualTo("UH");
    assertThat(ResponseFlags.toShortString(ResponseFlag.UAEX.bit())).isEqualTo("UAEX");
    assertThat(ResponseFlags.toShortString(ResponseFlag.UMSDR.bit())).isEqualTo("UMSDR");
  }

  @Test
  void severalFlagsRenderCommaSeparatedInEnvoysOrderWhateverOrderTheyWereSet() {
    assertThat(ResponseFlags.toShortString(ResponseFlags.of(ResponseFlag.URX, ResponseFlag.UT)))
        .isEqualTo("UT,URX");
    assertThat(
            ResponseFlags.toShortString(
                ResponseFlags.of(ResponseFlag.DC, ResponseFlag.UF, ResponseFlag.UH)))
        .isEqualTo("UH,UF,DC");
    assertThat(ResponseFlags.toShortString(ResponseFlags.of(ResponseFlag.FI, ResponseFlag.DI)))
        .isEqualTo("DI,FI");
  }

  @Test
  void everyFlagInEnvoysOrder() {
    assertThat(ResponseFlags.toShortString(ResponseFlag.ALL))
        .isEqualTo(
            "LH,UH,UT,LR,UR,UF,UC,UO,NR,DI,FI,RL,UAEX,RLSE,DC,URX,SI,IH,DPE,UMSDR,RFCF,"
                + "NFCF,DT,UPE,NC,OM,DF,DO");
  }

  @Test
  void everyFlagTheIssueNamesExists() {
    String names =
        Arrays.stream(ResponseFlag.values())
            .map(ResponseFlag::shortName)
            .collect(Collectors.joining(","));
    String wanted =
        "UH,UF,UO,NR,URX,UT,UC,DI,FI,RL,UAEX,LR,UR,DC,DPE,UMSDR,RLSE,IH,SI,DT,UPE,NC," + "OM,DF";
    for (String name : wanted.split(",")) {
      assertThat(names.split(",")).contains(name);
    }
  }

  @Test
  void bitsAreEnvoysStreamInfoResponseFlagValues() {
    assertThat(ResponseFlag.LH.bit()).isEqualTo(0x1);
    assertThat(ResponseFlag.UH.bit()).isEqualTo(0x2);
    assertThat(ResponseFlag.UT.bit()).isEqualTo(0x4);
    assertThat(ResponseFlag.UF.bit()).isEqualTo(0x20);
    assertThat(ResponseFlag.UO.bit()).isEqualTo(0x80);
    assertThat(ResponseFlag.NR.bit()).isEqualTo(0x100);
    assertThat(ResponseFlag.UAEX.bit()).isEqualTo(0x1000);
    assertThat(ResponseFlag.DC.bit()).isEqualTo(0x4000);
    assertThat(ResponseFlag.URX.bit()).isEqualTo(0x8000);
    assertThat(ResponseFlag.DPE.bit()).isEqualTo(0x40000);
    assertThat(ResponseFlag.DT.bit()).isEqualTo(0x400000);
    assertThat(ResponseFlag.NC.bit()).isEqualTo(0x1000000);
    assertThat(ResponseFlag.DF.bit()).isEqualTo(0x4000000);
    assertThat(ResponseFlag.DO.bit()).isEqualTo(0x8000000);
  }

  @Test
  void longNamesAreEnvoys() {
    assertThat(ResponseFlag.NR.longName()).isEqualTo("NoRouteFound");
    assertThat(ResponseFlag.URX.longName()).isEqualTo("UpstreamRetryLimitExceeded");
    assertThat(ResponseFlag.OM.longName()).isEqualTo("OverloadManagerTerminated");
  }

  @Test
  void bitsThatAreNoFlagAreIgnored() {
    assertThat(ResponseFlags.toShortString(1 << 30)).isEqualTo("-");
    assertThat(ResponseFlags.toShortString((1 << 30) | ResponseFlag.NR.bit())).isEqualTo("NR");
  }

  @Test
  void parseReadsWhatToShortStringWrote() {
    for (int bits :
        new int[] {
          0,
          ResponseFlag.UO.bit(),
          ResponseFlags.of(ResponseFlag.UT, ResponseFlag.URX, ResponseFlag.DC),
          ResponseFlag.ALL
        }) {
      assertThat(ResponseFlags.parse(ResponseFlags.toShortString(bits))).isEqualTo(bits);
    }
    assertThat(ResponseFlags.parse("")).isZero();
  }

  @Test
  void parseNamesWhatIsNotAFlag() {
    assertThatThrownBy(() -> ResponseFlags.parse("UT,XX"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'XX' is not one of Envoy's response flags");
  }
}
