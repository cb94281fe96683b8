package dev.memwall.agent.running;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void samplesWithLabelsEscapesSpecialValuesAndTimestampsAreRead() {
        String text = "# HELP x a comment\n"
                + "a:b{path=\"C:\\\\models\\\\m.gguf\",quote=\"say \\\"hi\\\"\",nl=\"1\\n2\",} 1.5e3 1712000000000\n"
                + "nan NaN\n"
                + "up +Inf\n"
                + "down -Inf\n"
                + "  spaced   { k = \"v\" }   7  \n";
        PrometheusText.Parsed p = PrometheusText.parse(text, n -> true);

        assertThat(p.skippedLines()).isZero();
        assertThat(p.first("a:b").labels()).isEqualTo(Map.of("path", "C:\\models\\m.gguf", "quote", "say \"hi\"",
                "nl", "1\n2"));
        assertThat(p.first("a:b").value()).isEqualTo(1500.0);
        assertThat(p.first("nan").value()).isNaN();
        assertThat(p.first("up").value()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(p.first("down").value()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(p.first("spaced").labels()).isEqualTo(Map.of("k", "v"));
        assertThat(p.first("spaced").value()).isEqualTo(7.0);
    }

    @Test
    void linesThatAreNotSamplesAreSkippedAndCounted() {
        String text = "ok 1\n"
                + "9starts_with_digit 1\n"
                + "no_value\n"
                + "bad_value one\n"
                + "java_only 1d\n"
                + "hex 0x1p3\n"
                + "word Infinity\n"
                + "dup{a=\"1\",a=\"2\"} 1\n"
                + "open{a=\"1\" 1\n"
                + "three 1 2 3\n"
                + "bad_timestamp 1 later\n";
        PrometheusText.Parsed p = PrometheusText.parse(text, n -> true);

        assertThat(p.samples()).extracting(PrometheusText.Sample::name).containsExactly("ok");
        assertThat(p.skippedLines()).isEqualTo(10);
    }

    @Test
    void onlyWantedNamesAreKept() {
        PrometheusText.Parsed p = PrometheusText.parse("vllm:a 1\nother 2\nvllm:b{x=\"y\"} 3\n",
                n -> n.startsWith("vllm:"));

        assertThat(p.samples()).extracting(PrometheusText.Sample::name).containsExactly("vllm:a", "vllm:b");
        assertThat(p.skippedLines()).isZero();
    }
}
