package io.vigil.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class EngineContextTest {
    @Test
    void shouldReadTheEngineKeysOnceWhenConcluded() {
        final EngineContext context = EngineContext.of(VigilConfig.of(Map.of(
            VigilConfig.RING_SIZE.name(), "1024",
            VigilConfig.INFERENCE_BUDGET.name(), "5ms",
            VigilConfig.RULE_MODEL_REVIEW.name(), "0.25")));
        assertEquals(1024, context.ringSize());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(5), context.inferenceBudgetNs());
        assertEquals(0.25f, context.rules().reviewThreshold());
        assertEquals(512, context.maxFrameBytes());
        assertNull(context.modelPath(), "the bundled model");
        assertEquals("sleep", context.waitStrategy());
        assertSame(context, context.conclude(), "a second conclude does nothing");
    }

    @Test
    void shouldTakeValuesSetInCodeOverTheSeedAndCheckThemLikeAFilesValues() {
        final EngineContext context = new EngineContext(VigilConfig.of(Map.of(VigilConfig.RING_SIZE.name(), "1024")))
            .ringSize(64)
            .dataDir(Path.of("elsewhere"))
            .conclude();
        assertEquals(64, context.ringSize());
        assertEquals(Path.of("elsewhere"), context.dataDir());
        assertEquals("64", context.config().string(VigilConfig.RING_SIZE), "the effective configuration has it");
        assertEquals("64", context.values().get(VigilConfig.RING_SIZE.name()));

        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> new EngineContext(VigilConfig.of(Map.of())).ringSize(100).inferenceBatchMax(0).conclude());
        assertEquals(2, ex.problems().size(), ex.getMessage());
        assertTrue(ex.problems().get(0).startsWith("configuration key vigil.ring.size = '100': must be a power of two"),
            ex.getMessage());
        assertTrue(ex.problems().get(1).contains("vigil.inference.batch.max = '0': must be at least 1"), ex.getMessage());
    }

    @Test
    void shouldRefuseReadingBeforeConcludeAndSettingAfter() {
        final EngineContext context = new EngineContext(VigilConfig.of(Map.of()));
        final IllegalStateException early = assertThrows(IllegalStateException.class, context::ringSize);
        assertTrue(early.getMessage().contains("not concluded"), early.getMessage());
        context.conclude();
        final IllegalStateException late = assertThrows(IllegalStateException.class, () -> context.ringSize(8));
        assertTrue(late.getMessage().contains("vigil.ring.size"), late.getMessage());
    }

    @Test
    void shouldStayUnconcludedWhenAValueIsBad() {
        final EngineContext context = new EngineContext(VigilConfig.of(Map.of(VigilConfig.WAIT_STRATEGY.name(), "nap")));
        assertThrows(ConfigurationException.class, context::conclude);
        assertThrows(IllegalStateException.class, context::waitStrategy);
    }

    @Test
    void shouldResolveTheRuleInputsAgainstTheFeatureSetOnceAndNameBadKeys() {
        final EngineContext defaults = EngineContext.of(VigilConfig.of(Map.of()));
        assertEquals(io.vigil.scoring.features.FeatureSet.defaultSet(), defaults.featureSet());
        assertEquals(io.vigil.scoring.features.TransactionFeatures.AMOUNT_Z,
            defaults.ruleInputs().at(io.vigil.scoring.rules.RuleInputs.AMOUNT_Z));
        assertTrue(!defaults.noModel());

        final EngineContext mapped = EngineContext.of(VigilConfig.of(Map.of(
            VigilConfig.RULE_INPUTS.name(), "amount_z=velocity_z",
            VigilConfig.RULE_OFF.name(), "card_testing, anomaly",
            VigilConfig.MODEL_PATH.name(), "none")));
        assertEquals(io.vigil.scoring.features.TransactionFeatures.VELOCITY_Z,
            mapped.ruleInputs().at(io.vigil.scoring.rules.RuleInputs.AMOUNT_Z));
        assertEquals(-1, mapped.ruleInputs().at(io.vigil.scoring.rules.RuleInputs.COUNT_1M));
        assertTrue(mapped.noModel());
        assertEquals(null, mapped.modelPath());

        final ConfigurationException off = assertThrows(ConfigurationException.class, () -> EngineContext.of(
            VigilConfig.of(Map.of(VigilConfig.RULE_OFF.name(), "speed"))));
        assertTrue(off.getMessage().contains(VigilConfig.RULE_OFF.name()) && off.getMessage().contains("unknown rule 'speed'"),
            off.getMessage());
        final ConfigurationException input = assertThrows(ConfigurationException.class, () -> EngineContext.of(
            VigilConfig.of(Map.of(VigilConfig.RULE_INPUTS.name(), "amount_z=no_such"))));
        assertTrue(input.getMessage().contains("rule amount reads its input amount_z from feature 'no_such'"),
            input.getMessage());
    }
}
