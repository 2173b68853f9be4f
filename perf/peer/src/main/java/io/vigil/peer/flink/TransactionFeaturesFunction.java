package io.vigil.peer.flink;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The 14 transaction features per (tenant, account), in event time from the event itself: keyed by
 * {@link AccountKey}, one {@link AccountState} per key in a {@code ValueState}, updated per event in arrival order
 * (as Vigil does: a late event is folded into the windows it still falls in, it does not wait for a watermark).
 * No timers: the windows slide on each account's own events.
 *
 * <p>Accumulators (read by {@link FlinkFeaturesJob}): {@code rows}, {@code digest} (sum of
 * {@link FeatureRecord#digest}), {@code firstNs} / {@code lastNs} ({@code System.nanoTime()} of the first event
 * and of the operator's close, over all subtasks; a local cluster runs in one JVM, so they compare).
 * One instance per subtask; the output record is reused (object reuse is on, the sink is chained).
 */
public final class TransactionFeaturesFunction extends KeyedProcessFunction<Tuple2<Integer, Long>, Event, FeatureRecord> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<AccountState> state;
    private transient FeatureRecord out;
    private transient LongCounter rows;
    private transient LongCounter digest;
    private transient LongMinimum firstNs;
    private transient LongMaximum lastNs;
    private transient boolean started;

    @Override
    public void open(final OpenContext context) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("account", AccountState.class));
        out = new FeatureRecord();
        rows = new LongCounter();
        digest = new LongCounter();
        firstNs = new LongMinimum();
        lastNs = new LongMaximum();
        getRuntimeContext().addAccumulator("rows", rows);
        getRuntimeContext().addAccumulator("digest", digest);
        getRuntimeContext().addAccumulator("firstNs", firstNs);
        getRuntimeContext().addAccumulator("lastNs", lastNs);
    }

    @Override
    public void processElement(final Event e, final Context context, final Collector<FeatureRecord> collector)
        throws Exception {
        if (!started) {
            started = true;
            firstNs.add(System.nanoTime());
        }
        AccountState account = state.value();
        final boolean first = account == null;
        if (first) {
            account = new AccountState();
        }
        account.onTransaction(first, e.merchantId, e.amountMinor, e.channel, e.eventTimeNs, out.features);
        state.update(account);
        out.journalIndex = e.journalIndex;
        rows.add(1L);
        digest.add(FeatureRecord.digest(e.journalIndex, out.features));
        collector.collect(out);
    }

    @Override
    public void close() throws Exception {
        lastNs.add(System.nanoTime());
        super.close();
    }
}
