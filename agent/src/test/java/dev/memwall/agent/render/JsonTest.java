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
        assertThat(n.get("whole").isDouble()).isTrue();
        assertThat(n.get("whole").asDouble()).isEqualTo(3.0);
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
    void doublesAreExactAndShortest() throws Exception {
        // 4.92216e10 once came out as 4.92216e+1 (a regex stripped the exponent's trailing zero).
        String text = Json.writeCompact(List.of(1.5e-7, 2.9876e10 + 0.5, 4.92216e10, 23.9323e9, 2.0e-3, 1e23));
        assertThat(text).isEqualTo("[1.5E-7,2.98760000005E10,4.92216E10,2.39323E10,0.002,1.0E23]");
        JsonNode n = new ObjectMapper().readTree(text);
        assertThat(n.get(2).asDouble()).isEqualTo(4.92216e10);
        assertThat(n.get(3).asDouble()).isEqualTo(23.9323e9);
    }

    @Test
    void emptyContainersAndCompactForm() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("a", List.of());
        doc.put("b", Map.of());
        doc.put("c", List.of(1L, 2L));
        assertThat(Json.write(doc)).isEqualTo("{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    2\n  ]\n}");
        assertThat(Json.writeCompact(doc)).isEqualTo("{\"a\":[],\"b\":{},\"c\":[1,2]}");
    }
}
