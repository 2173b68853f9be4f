package io.vigil.cli;

public final class VigilMain {
    private VigilMain() {
    }

    public static void main(final String[] args) {
        System.out.println("vigil");
    }
}
