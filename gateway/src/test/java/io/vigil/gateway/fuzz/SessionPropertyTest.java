package io.vigil.gateway.fuzz;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.util.Random;

/**
 * Property: for any seed, a connection that sends random, valid-looking and mutated frames gets exactly the
 * answers and the close that the protocol's model predicts. jqwik reports the failing seed.
 */
class SessionPropertyTest {
    private static FuzzServer fuzz;

    @BeforeContainer
    static void start() throws Exception {
        fuzz = new FuzzServer();
    }

    @AfterContainer
    static void stop() throws Exception {
        fuzz.close();
    }

    @Property(tries = 200)
    void shouldAnswerEveryFrameAsTheProtocolSays(@ForAll final long seed) throws Exception {
        final Random random = new Random(seed);
        fuzz.exercise(random, 1 + random.nextInt(40));
    }
}
