package dev.memwall.device.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading the JIT's log buffers and putting a log on one line; no driver needed. */
class PtxModuleTest {

    /** The shape of ptxas's report for a bad line (columns aligned with blanks), as the JIT returns it. */
    static final String PTXAS_LOG = "ptxas application ptx input, line 24; error   : Unknown symbol 'read_strem'\n"
            + "ptxas application ptx input, line 24; error   : Label expected for forward reference of 'read_strem'\n"
            + "ptxas fatal   : Ptx assembly aborted due to errors\n";

    @Test
    void aLogIsReadUpToItsNulWithinTheFilledSize() {
        byte[] buffer = new byte[64];
        byte[] text = "ptxas fatal : x".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(text, 0, buffer, 0, text.length);
        buffer[text.length + 1] = 'z'; // after the NUL: never read
        assertThat(PtxModule.text(buffer, text.length + 1)).isEqualTo("ptxas fatal : x");
        assertThat(PtxModule.text(buffer, 0)).as("no size given back").isEqualTo("ptxas fatal : x");
        assertThat(PtxModule.text(buffer, 5)).as("filled size shorter than the text").isEqualTo("ptxas");
        assertThat(PtxModule.text(buffer, 1000)).as("a size beyond the buffer").isEqualTo("ptxas fatal : x");
        assertThat(PtxModule.text(new byte[8], 8)).isEmpty();
        byte[] full = "12345678".getBytes(StandardCharsets.UTF_8);
        assertThat(PtxModule.text(full, 8)).as("no NUL at all").isEqualTo("12345678");
    }

    @Test
    void aPtxasLogBecomesOneLine() {
        assertThat(PtxModule.oneLine(PTXAS_LOG, 500)).isEqualTo(
                "ptxas application ptx input, line 24; error : Unknown symbol 'read_strem' | "
                        + "ptxas application ptx input, line 24; error : Label expected for forward reference of "
                        + "'read_strem' | ptxas fatal : Ptx assembly aborted due to errors");
        assertThat(PtxModule.oneLine("\r\n  \n\t", 500)).isEmpty();
        assertThat(PtxModule.oneLine("a\r\nb\rc", 500)).isEqualTo("a | b | c");
    }

    @Test
    void aLongLogIsCutWithAMark() {
        String cut = PtxModule.oneLine(PTXAS_LOG.repeat(20), 80);
        assertThat(cut).hasSize(80).endsWith("...").startsWith("ptxas application ptx input, line 24; error : ");
    }

    @Test
    void ptxIsHandedOverNulTerminated() {
        assertThat(PtxModule.nulTerminated(".version 6.4")).endsWith((byte) 0).hasSize(13);
    }
}
