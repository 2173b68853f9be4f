package io.vigil.gateway.features;

import io.vigil.scoring.features.SingleWriterFeatureTable;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one service behind every edge that serves features (HTTP {@code GET /features/...}, RESP): parses an entity
 * type and key, reads the key's latest vector from the published table of that entity type, in the caller's tenant
 * only, and describes it. Entity types today: {@value #ACCOUNT} (the transaction features, keyed by account id).
 *
 * <p>Thread-safe (the tables are read through their seqlocks; nothing is cached here). Allocates per query
 * (control plane).
 */
public final class FeatureQueries {
    /** The entity type of the transaction features. */
    public static final String ACCOUNT = "account";

    private final Map<String, Supplier<SingleWriterFeatureTable>> tables;

    /**
     * @param tables per entity type, the table being published now (a supplier: a restarted engine has a new one;
     *               null while serving is off).
     */
    public FeatureQueries(final Map<String, Supplier<SingleWriterFeatureTable>> tables) {
        this.tables = Map.copyOf(tables);
    }

    /** Entity types served. */
    public Set<String> entityTypes() {
        return tables.keySet();
    }

    /** Why a query has no answer: the entity type is not served, or the key is malformed. */
    public static final class BadQueryException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean unknownEntityType;

        public BadQueryException(final String reason, final boolean unknownEntityType) {
            super(reason, null, false, false);
            this.unknownEntityType = unknownEntityType;
        }

        /** True when the entity type is not served (HTTP: 404); false for a malformed key (400). */
        public boolean unknownEntityType() {
            return unknownEntityType;
        }
    }

    /** One key's latest values, as read. */
    public record Features(String entityType, long key, int tenant, String featureSet, String featureSetHash,
        Map<String, Float> values, long eventIndex, long eventTimeNs, long updates) {

        /** The value of feature {@code name}, or null when the feature set has none of that name. */
        public Float value(final String name) {
            return values.get(name);
        }

        /** The JSON body of {@code GET /features/{entity-type}/{key}} (docs/admin-api.md). */
        public Map<String, Object> toJson() {
            final Map<String, Object> body = new LinkedHashMap<>();
            body.put("entity_type", entityType);
            body.put("key", Long.toUnsignedString(key));
            body.put("tenant", Integer.toUnsignedLong(tenant));
            body.put("feature_set", featureSet);
            if (!featureSetHash.isEmpty()) {
                body.put("feature_set_hash", featureSetHash);
            }
            body.put("event_index", eventIndex);
            body.put("event_index_hex", Long.toHexString(eventIndex));
            body.put("event_time_ns", eventTimeNs);
            body.put("event_time", java.time.Instant.ofEpochSecond(0, eventTimeNs).toString());
            body.put("updates", updates);
            body.put("features", values);
            return body;
        }
    }

    /** The table of an entity type, or a {@link BadQueryException}. */
    public SingleWriterFeatureTable table(final String entityType) {
        final Supplier<SingleWriterFeatureTable> table = tables.get(entityType);
        if (table == null) {
            throw new BadQueryException("no entity type '" + entityType + "' is served; served: " +
                String.join(", ", new java.util.TreeSet<>(tables.keySet())), true);
        }
        final SingleWriterFeatureTable current = table.get();
        if (current == null) {
            throw new BadQueryException("feature serving is off (vigil.features.serve=false)", true);
        }
        return current;
    }

    /** A key as text: an unsigned 64-bit decimal number (the wire's account id), or a {@link BadQueryException}. */
    public static long parseKey(final String key) {
        if (key == null || key.isEmpty() || key.length() > 20) {
            throw new BadQueryException("a key is an unsigned 64-bit decimal number, not '" + abbreviate(key) + "'", false);
        }
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) < '0' || key.charAt(i) > '9') {
                throw new BadQueryException("a key is an unsigned 64-bit decimal number, not '" + abbreviate(key) + "'", false);
            }
        }
        try {
            return Long.parseUnsignedLong(key);
        } catch (final NumberFormatException ex) {
            throw new BadQueryException("a key is an unsigned 64-bit decimal number, not '" + abbreviate(key) + "'", false);
        }
    }

    private static String abbreviate(final String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    /**
     * The latest values of (tenant, entity type, key), or null when the key has none in that tenant.
     *
     * @throws BadQueryException for an entity type not served or a malformed key.
     */
    public Features find(final int tenant, final String entityType, final String key) {
        final SingleWriterFeatureTable table = table(entityType);
        final long id = parseKey(key);
        final SingleWriterFeatureTable.View view = table.newView();
        if (!table.read(tenant, id, view)) {
            return null;
        }
        final Map<String, Float> values = new LinkedHashMap<>();
        for (int i = 0; i < table.width(); i++) {
            values.put(table.names().get(i), view.value(i));
        }
        return new Features(entityType, id, tenant, table.version(), table.hash(), values, view.eventIndex(),
            view.eventTimeNs(), view.updates());
    }

    /** True when (tenant, entity type, key) has values; {@link BadQueryException} as {@link #find}. */
    public boolean exists(final int tenant, final String entityType, final String key) {
        return table(entityType).contains(tenant, parseKey(key));
    }
}
