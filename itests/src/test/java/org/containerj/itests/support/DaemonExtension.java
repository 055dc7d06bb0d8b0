package org.containerj.itests.support;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests the one {@link Daemon} of the whole run: started by the first test that asks
 * for it, kept in the root context's store and closed (killed, its directory removed) when
 * the run ends, also after failures. A test that stops or kills it starts it again; should
 * one fail half-way, the next test to ask for the daemon gets it started again.
 *
 * <p>If the first start fails, the failure is kept and reported to every later test,
 * instead of trying (and waiting) again for each class.
 */
public final class DaemonExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DaemonExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Daemon.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Shared shared = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("daemon", key -> Shared.launch(), Shared.class);
        if (shared.failure != null) {
            throw new AssertionError("the shared daemon failed to start", shared.failure);
        }
        shared.daemon.ensureRunning();
        return shared.daemon;
    }

    private static final class Shared implements ExtensionContext.Store.CloseableResource {
        final Daemon daemon;
        final Throwable failure;

        private Shared(Daemon daemon, Throwable failure) {
            this.daemon = daemon;
            this.failure = failure;
        }

        static Shared launch() {
            try {
                return new Shared(Daemon.launch(), null);
            } catch (RuntimeException | AssertionError e) {
                return new Shared(null, e);
            }
        }

        @Override
        public void close() {
            if (daemon != null) {
                daemon.close();
            }
        }
    }
}
