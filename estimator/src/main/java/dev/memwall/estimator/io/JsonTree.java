package dev.memwall.estimator.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a small JSON document (config.json, an index) into maps, lists, strings, longs, doubles, booleans and
 * nulls, with bounds: at most {@link #MAX_BYTES}, nesting depth {@link #MAX_DEPTH}, no duplicate keys. A problem
 * becomes a {@link ModelFormatException} with the byte offset.
 */
public final class JsonTree {

    public static final long MAX_BYTES = 16L << 20;
    public static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(1 << 20).maxNumberLength(64).build())
            .build();

    private JsonTree() {
    }

    /** The JSON object in {@code file}; {@code name} is used in messages. */
    public static Map<String, Object> readObject(Path file, String name) throws IOException, ModelFormatException {
        return object(InputFiles.read(file, name, MAX_BYTES, "a JSON file memwall reads is at most " + MAX_BYTES
                + " bytes"), name);
    }

    /** The JSON object in {@code bytes}. */
    public static Map<String, Object> object(byte[] bytes, String name) throws ModelFormatException {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new ModelFormatException(name, 0, "is not a JSON object");
            }
            Map<String, Object> result = readObject(p, name);
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new ModelFormatException(name, offset(p), "has data after the JSON object");
            }
            return result;
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new ModelFormatException(name, at, "is not valid JSON: " + e.getOriginalMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new ModelFormatException(name, -1, "could not be read as JSON: " + e.getMessage());
        }
    }

    private static Map<String, Object> readObject(JsonParser p, String name) throws IOException, ModelFormatException {
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            long at = offset(p);
            p.nextToken();
            if (map.containsKey(key)) {
                throw new ModelFormatException(name, at, "key '" + key + "' appears twice");
            }
            map.put(key, value(p, name));
        }
        return map;
    }

    private static Object value(JsonParser p, String name) throws IOException, ModelFormatException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT:
                return readObject(p, name);
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(p, name));
                }
                return list;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw new ModelFormatException(name, offset(p), "number " + p.getText() + " is too large");
                }
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new ModelFormatException(name, offset(p), "unexpected JSON token " + t);
        }
    }

    private static long offset(JsonParser p) {
        return p.currentTokenLocation().getByteOffset();
    }
}
