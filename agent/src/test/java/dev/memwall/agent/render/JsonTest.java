package dev.memwall.agent.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesWhatAParserReadsBack() throws Exception {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("s", "quote \" backslash \\ newline \n tab \t bell \u0007 é");
        doc.put("n", 85_045_477_376L);
        doc.put("d", 0.98765);
        doc.put("whole", 3.0);
        doc.put("nan", Double.NaN);
        doc.put("null", null);
        doc.put("t", true);
        doc.put("list", List.of(1, "two"));
        doc.put("empty", List.of());
        doc.put("nested", Map.of("k", Arrays.asList(null, 2)));
        JsonNode n = new ObjectMapper().readTree(Json.write(doc));
        assertThat(n.get("s").asText()).isEqualTo("quote \" backslash \\ newline \n tab \t bell \u0007 é");
        assertThat(n.get("n").asLong()).isEqualTo(85_045_477_376L);
        assertThat(n.get("d").asDouble()).isEqualTo(0.98765);
        assertThat(n.get("whole").isIntegralNumber()).isTrue();
        assertThat(n.get("nan").isNull()).isTrue();
        assertThat(n.get("null").isNull()).isTrue();
        assertThat(n.get("t").asBoolean()).isTrue();
        assertThat(n.get("list").get(1).asText()).isEqualTo("two");
        assertThat(n.get("empty").isArray()).isTrue();
        assertThat(n.get("nested").get("k").get(0).isNull()).isTrue();
    }

    @Test
    void keepsKeyOrder() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", "x");
        doc.put("a", 1);
        assertThat(Json.write(doc)).isEqualTo("{\n  \"schema\": \"x\",\n  \"a\": 1\n}");
    }

    @Test
    void smallAndLargeDoublesStayNumbers() throws Exception {
        String text = Json.write(List.of(1.5e-7, 2.9876e10 + 0.5));
        JsonNode n = new ObjectMapper().readTree(text);
        assertThat(n.get(0).asDouble()).isEqualTo(1.5e-7);
        assertThat(n.get(1).asDouble()).isCloseTo(2.9876e10, org.assertj.core.api.Assertions.within(1e5));
    }
}
