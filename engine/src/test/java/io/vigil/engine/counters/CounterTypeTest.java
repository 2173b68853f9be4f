package io.vigil.engine.counters;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CounterTypeTest {
    @Test
    void shouldGiveEveryCounterItsOwnTypeIdAndLabel() {
        final Set<Integer> ids = new HashSet<>();
        final Set<String> labels = new HashSet<>();
        for (final CounterType type : CounterType.values()) {
            assertTrue(ids.add(type.typeId()), "type id " + type.typeId() + " twice");
            assertTrue(labels.add(type.label()), "label " + type.label() + " twice");
            assertEquals(type, CounterType.forTypeId(type.typeId()));
        }
        assertNull(CounterType.forTypeId(0));
        assertNull(CounterType.forTypeId(10_000));
    }

    @Test
    void shouldDocumentEveryCounterInTheOperationsGuide() throws Exception {
        final String text = Files.readString(Path.of("..", "docs", "operations.md"));
        for (final CounterType type : CounterType.values()) {
            final String label = type.labelPattern();
            final String row = "| " + type.typeId() + " | `" + label + "` |";
            assertTrue(text.contains(row), "docs/operations.md lacks the row for " + type + ": " + row);
        }
    }
}
