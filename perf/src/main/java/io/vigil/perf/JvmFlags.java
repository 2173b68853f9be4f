package io.vigil.perf;

/**
 * The JVM flags JMH forks need (a copy of the parent pom's {@code vigil.jvm.flags}: annotations need constants).
 * Stateless.
 */
final class JvmFlags {
    static final String F1 = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    static final String F2 = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    static final String F3 = "--add-opens=java.base/java.io=ALL-UNNAMED";
    static final String F4 = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    static final String F5 = "--add-opens=java.base/java.util=ALL-UNNAMED";
    static final String F6 = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
    static final String F7 = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    static final String F8 = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    static final String F9 = "--add-exports=java.base/jdk.internal.util=ALL-UNNAMED";
    static final String F10 = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    static final String F11 = "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED";
    static final String F12 = "-Dchronicle.analytics.disable=true";

    private JvmFlags() {
    }
}
