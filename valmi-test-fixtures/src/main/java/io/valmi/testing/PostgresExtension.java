package io.valmi.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link WithPostgres}: one fresh {@link TestDatabase} per test class, kept in the
 * class's {@link ExtensionContext.Store} and dropped when the class is done.
 */
public final class PostgresExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);

    /** Creates the extension (JUnit does). */
    public PostgresExtension() {
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == TestDatabase.class || type == PostgresServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        if (parameterContext.getParameter().getType() == PostgresServer.class) {
            return PostgresServer.shared();
        }
        return database(extensionContext);
    }

    /**
     * The database of the test class of a context, created on first use.
     *
     * @param context any context within the test class
     * @return the class's database
     */
    public static TestDatabase database(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().orElseThrow();
        }
        Class<?> testClass = classContext.getRequiredTestClass();
        Holder holder = classContext.getStore(NAMESPACE).getOrComputeIfAbsent(testClass, c -> {
            TestDatabase db = PostgresServer.shared().createDatabase(testClass.getSimpleName());
            return new Holder(db);
        }, Holder.class);
        if (holder == null) {
            throw new ParameterResolutionException("No test database for " + testClass.getName());
        }
        return holder.database;
    }

    /** Drops the database when JUnit closes the class's store. */
    private static final class Holder implements AutoCloseable {
        private final TestDatabase database;

        Holder(TestDatabase database) {
            this.database = database;
        }

        @Override
        public void close() {
            database.close();
        }
    }
}
