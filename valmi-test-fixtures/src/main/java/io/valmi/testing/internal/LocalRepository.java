package io.valmi.testing.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Where the build's local Maven repository is, as Maven itself would decide: the system property
 * {@code maven.repo.local}; else {@code <localRepository>} of the user's {@code ~/.m2/settings.xml}, else of the
 * Maven installation's {@code conf/settings.xml} ({@code maven.home}, {@code MAVEN_HOME} or {@code M2_HOME}); else
 * {@code ~/.m2/repository}.
 */
public final class LocalRepository {
    private static final Logger log = LoggerFactory.getLogger(LocalRepository.class);
    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([^}]+)}");

    private LocalRepository() {
    }

    /**
     * The local repository of this JVM's build.
     *
     * @return its directory (which may not exist)
     */
    public static Path find() {
        return find(System.getProperties(), System.getenv());
    }

    /**
     * The local repository for the given system properties and environment.
     *
     * @param properties system properties ({@code maven.repo.local}, {@code user.home}, {@code maven.home})
     * @param env environment variables ({@code MAVEN_HOME}, {@code M2_HOME} and those that settings.xml names)
     * @return its directory (which may not exist)
     */
    public static Path find(Properties properties, Map<String, String> env) {
        String configured = properties.getProperty("maven.repo.local");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim());
        }
        Path home = Path.of(properties.getProperty("user.home", "."));
        List<Path> settingsFiles = new ArrayList<>();
        settingsFiles.add(home.resolve(".m2").resolve("settings.xml"));
        for (String mavenHome : new String[] {properties.getProperty("maven.home"), env.get("MAVEN_HOME"),
            env.get("M2_HOME")}) {
            if (mavenHome != null && !mavenHome.isBlank()) {
                settingsFiles.add(Path.of(mavenHome.trim()).resolve("conf").resolve("settings.xml"));
            }
        }
        for (Path settings : settingsFiles) {
            String local = localRepositoryOf(settings, properties, env);
            if (local != null) {
                return Path.of(local);
            }
        }
        return home.resolve(".m2").resolve("repository");
    }

    /** The interpolated {@code <localRepository>} of a settings file, or null when it has none (or is unreadable). */
    static @Nullable String localRepositoryOf(Path settings, Properties properties, Map<String, String> env) {
        if (!Files.isRegularFile(settings)) {
            return null;
        }
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setNamespaceAware(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // (Errors are thrown and logged below, not printed to standard error as well.)
            builder.setErrorHandler(new DefaultHandler());
            Document document = builder.parse(settings.toFile());
            NodeList nodes = document.getDocumentElement().getElementsByTagName("localRepository");
            // Only the top-level element counts (profiles have no such element, but be strict).
            for (int i = 0; i < nodes.getLength(); i++) {
                if (nodes.item(i).getParentNode() == document.getDocumentElement()) {
                    String value = nodes.item(i).getTextContent().trim();
                    return value.isEmpty() ? null : interpolate(value, properties, env);
                }
            }
            return null;
        } catch (IOException | SAXException | ParserConfigurationException e) {
            log.warn("Could not read <localRepository> from {} (ignored): {}", settings, e.toString());
            return null;
        }
    }

    /** Replaces {@code ${env.NAME}} and {@code ${property}} as Maven does; an unknown expression stays as it is. */
    static String interpolate(String value, Properties properties, Map<String, String> env) {
        Matcher m = EXPRESSION.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement = name.startsWith("env.") ? env.get(name.substring(4)) : properties.getProperty(name);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement != null ? replacement : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }
}
