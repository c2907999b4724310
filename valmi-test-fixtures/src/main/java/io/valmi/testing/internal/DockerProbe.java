package io.valmi.testing.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tells whether a Docker engine is reachable, without a slow Testcontainers probe when there is no sign of one. */
public final class DockerProbe {
    private static final Logger log = LoggerFactory.getLogger(DockerProbe.class);

    private DockerProbe() {
    }

    /**
     * Whether Testcontainers can start containers here.
     *
     * @return {@code true} when a Docker engine answers
     */
    public static boolean dockerAvailable() {
        if (!anySignOfDocker()) {
            log.debug("No DOCKER_HOST, no docker.sock and no ~/.testcontainers.properties: no Docker engine");
            return false;
        }
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            log.info("Testcontainers found no usable Docker engine: {}", e.toString());
            return false;
        }
    }

    static boolean anySignOfDocker() {
        String home = System.getProperty("user.home", "");
        return System.getenv("DOCKER_HOST") != null
            || Files.exists(Paths.get("/var/run/docker.sock"))
            || Files.exists(Path.of(home, ".docker", "run", "docker.sock"))
            || Files.exists(Path.of(home, ".testcontainers.properties"))
            || System.getenv("TESTCONTAINERS_HOST_OVERRIDE") != null;
    }
}
