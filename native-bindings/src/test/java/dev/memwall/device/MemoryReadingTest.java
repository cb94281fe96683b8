package dev.memwall.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryReadingTest {

    @Test
    void freeCannotExceedTotal() {
        assertThatThrownBy(() -> new MemoryReading(100, 101L, null, null, null))
                .hasMessage("freeBytes must be within [0, totalBytes=100], was 101");
    }

    @Test
    void totalMustBePositive() {
        assertThatThrownBy(() -> MemoryReading.totalOnly(0)).hasMessage("totalBytes must be > 0, was 0");
    }

    @Test
    void anUnavailableBackendSaysWhy() {
        assertThatThrownBy(() -> Availability.no(" ")).hasMessage("an unavailable backend must say why, reason was blank");
    }

    @Test
    void everyShorterConstructorGivesNoNotes() {
        assertThat(new MemoryReading(100, 40L, 60L, null, "x").notes()).isEmpty();
        assertThat(new MemoryReading(100, 40L, 60L, null, "x", 5L).notes()).isEmpty();
        assertThat(MemoryReading.totalOnly(100).notes()).isEmpty();
    }

    @Test
    void notesAreAnImmutableCopyAndSurviveTheContextCost() {
        List<String> notes = new ArrayList<>(List.of("first"));
        MemoryReading m = new MemoryReading(100, 40L, 61L, 0L, "x", null, notes);
        notes.add("added later");
        assertThat(m.notes()).containsExactly("first");
        assertThatThrownBy(() -> m.notes().add("x")).isInstanceOf(UnsupportedOperationException.class);

        MemoryReading more = m.withNote("second").withQueryContextBytes(7L);
        assertThat(more.notes()).containsExactly("first", "second");
        assertThat(more.queryContextBytes()).isEqualTo(7L);
        assertThat(more.usedBytes()).isEqualTo(61L);
        assertThat(m.notes()).containsExactly("first");
    }

    @Test
    void notesMustBeGiven() {
        assertThatThrownBy(() -> new MemoryReading(100, null, null, null, null, null, null))
                .hasMessage("notes must not be null (an empty list when there are none)");
        assertThatThrownBy(() -> MemoryReading.totalOnly(100).withNote(" "))
                .hasMessage("a note must say something, was blank");
        assertThatThrownBy(() -> MemoryReading.totalOnly(100).withNote(null))
                .hasMessage("a note must say something, was null");
    }
}
