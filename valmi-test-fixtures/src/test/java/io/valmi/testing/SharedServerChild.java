package io.valmi.testing;

import io.valmi.testing.internal.Postmaster;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The JVM of {@link ServerLifetimeTest}: starts {@link PostgresServer#shared()}, writes the server's data directory
 * and postmaster pid to a file, then, as its first argument says:
 * <ul>
 *   <li>{@code exit}: returns from {@code main}, and the JVM exits normally;</li>
 *   <li>{@code exec-java}: does that in a class loader of its own, which it closes before it returns, as
 *       {@code mvn exec:java} does (shutdown hooks can then load no class that was not loaded before);</li>
 *   <li>{@code killed}: waits to be killed.</li>
 * </ul>
 */
public final class SharedServerChild {
    private SharedServerChild() {
    }

    /**
     * Runs the child.
     *
     * @param args the mode and the file to write
     * @throws Exception when the server cannot start
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[1]);
        switch (args[0]) {
            case "exit" -> startAndReport(out);
            case "exec-java" -> {
                List<URL> urls = new ArrayList<>();
                for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                    urls.add(Path.of(entry).toUri().toURL());
                }
                try (URLClassLoader application = new URLClassLoader(urls.toArray(new URL[0]),
                    ClassLoader.getPlatformClassLoader())) {
                    Method main = application.loadClass(SharedServerChild.class.getName())
                        .getMethod("main", String[].class);
                    main.invoke(null, (Object) new String[] {"exit", out.toString()});
                }
            }
            case "killed" -> {
                startAndReport(out);
                Thread.sleep(Long.MAX_VALUE);
            }
            default -> throw new IllegalArgumentException("exit, exec-java or killed: " + args[0]);
        }
    }

    private static void startAndReport(Path out) throws Exception {
        PostgresServer server = PostgresServer.shared();
        Path data = Objects.requireNonNull(server.embeddedDataDirectory(), "an embedded server");
        long pid = Postmaster.of(data).orElseThrow().pid();
        Path tmp = Files.writeString(out.resolveSibling(out.getFileName() + ".tmp"), data + "\n" + pid + "\n",
            StandardCharsets.UTF_8);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    }
}
