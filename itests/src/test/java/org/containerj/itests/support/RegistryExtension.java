package org.containerj.itests.support;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests the one {@link Registry} of the whole run: started by the first test that asks
 * for it, kept in the root context's store and closed (stopped, its directory removed) when
 * the run ends, also after failures. A failed start is kept and reported to every later test.
 */
public final class RegistryExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RegistryExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Registry.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Shared shared = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("registry", key -> Shared.launch(), Shared.class);
        if (shared.failure != null) {
            throw new AssertionError("the shared registry failed to start", shared.failure);
        }
        if (!shared.registry.isRunning()) {
            throw new AssertionError("the shared registry is no longer running\n" + shared.registry.log());
        }
        return shared.registry;
    }

    private static final class Shared implements ExtensionContext.Store.CloseableResource {
        final Registry registry;
        final Throwable failure;

        private Shared(Registry registry, Throwable failure) {
            this.registry = registry;
            this.failure = failure;
        }

        static Shared launch() {
            try {
                return new Shared(Registry.launch(), null);
            } catch (RuntimeException | AssertionError e) {
                return new Shared(null, e);
            }
        }

        @Override
        public void close() {
            if (registry != null) {
                registry.close();
            }
        }
    }
}
