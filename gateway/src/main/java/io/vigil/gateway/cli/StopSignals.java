package io.vigil.gateway.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Turns SIGTERM and SIGINT into an orderly stop that the command's own thread carries out, so that {@code vigil run}
 * exits 0 after a clean stop (with a plain shutdown hook the JVM exits 143 or 130 whatever the hook does).
 *
 * <p>Uses {@code sun.misc.Signal} from the {@code jdk.unsupported} module, which is open to every class path
 * application; through reflection because javac warns about that API and the build treats warnings as errors. Where
 * it is missing the JVM's default handling (shutdown hooks) stays in place and {@link #install} returns false.
 */
final class StopSignals {
    private StopSignals() {
    }

    /** Calls {@code onStop} (on the JVM's signal thread) for SIGTERM and SIGINT; false when signals cannot be handled. */
    static boolean install(final Runnable onStop) {
        try {
            final Class<?> signalClass = Class.forName("sun.misc.Signal");
            final Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            final InvocationHandler call = (final Object proxy, final Method method, final Object[] args) -> {
                if ("handle".equals(method.getName())) {
                    onStop.run();
                    return null;
                }
                if ("toString".equals(method.getName())) {
                    return "vigil stop handler";
                }
                if ("hashCode".equals(method.getName())) {
                    return System.identityHashCode(proxy);
                }
                if ("equals".equals(method.getName())) {
                    return proxy == args[0];
                }
                return null;
            };
            final Object handler = Proxy.newProxyInstance(StopSignals.class.getClassLoader(), new Class<?>[] {handlerClass}, call);
            final Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            for (final String name : new String[] {"TERM", "INT"}) {
                handle.invoke(null, signalClass.getConstructor(String.class).newInstance(name), handler);
            }
            return true;
        } catch (final ReflectiveOperationException | IllegalArgumentException | SecurityException ex) {
            return false;
        }
    }
}
