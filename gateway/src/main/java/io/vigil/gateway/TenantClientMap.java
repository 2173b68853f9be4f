package io.vigil.gateway;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * A map keyed by (tenant id, client id): one Agrona map of clients per tenant, so that the same client id under two
 * tenants is two keys, and a lookup allocates nothing.
 *
 * <p>Not thread-safe. Allocates when a tenant or a client is first put.
 */
final class TenantClientMap<V> {
    private final Int2ObjectHashMap<Long2ObjectHashMap<V>> byTenant = new Int2ObjectHashMap<>();
    private int size;

    V get(final int tenantId, final long clientId) {
        final Long2ObjectHashMap<V> clients = byTenant.get(tenantId);
        return clients == null ? null : clients.get(clientId);
    }

    /** Puts a value; returns the one it replaced, or null. */
    V put(final int tenantId, final long clientId, final V value) {
        Long2ObjectHashMap<V> clients = byTenant.get(tenantId);
        if (clients == null) {
            clients = new Long2ObjectHashMap<>();
            byTenant.put(tenantId, clients);
        }
        final V previous = clients.put(clientId, value);
        if (previous == null) {
            size++;
        }
        return previous;
    }

    /** Keys held. */
    int size() {
        return size;
    }
}
