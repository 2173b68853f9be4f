package io.vigil.peer.flink;

import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;

/** The key of the features: (tenant, account), as in Vigil (two tenants never share an account's state). Stateless. */
public final class AccountKey implements KeySelector<Event, Tuple2<Integer, Long>> {
    private static final long serialVersionUID = 1L;

    @Override
    public Tuple2<Integer, Long> getKey(final Event e) {
        return Tuple2.of(e.tenantId, e.accountId);
    }
}
