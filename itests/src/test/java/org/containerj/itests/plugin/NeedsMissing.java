package org.containerj.itests.plugin;

/**
 * A Declarative Services plugin component (OSGI-INF/needs-missing.xml in the test plugin)
 * whose one reference, a {@link Runnable} with {@value #REQUIREMENT}=present, nothing in
 * the daemon provides: introspection must show it as {@code skip}.
 */
public class NeedsMissing {
    public static final String ID = "itest-unsatisfied";
    public static final String REQUIREMENT = "containerj.itest.requirement";
}
