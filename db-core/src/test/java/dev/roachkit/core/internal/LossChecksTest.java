package dev.roachkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Which connections the pool checks after a loss: each until it proves itself alive again, by a
 * check or by a lease begun after the loss. Stub connections: the rule is bookkeeping, the pool's
 * use of it against a server is in {@code ConnectionLossIT}.
 */
class LossChecksTest {
    /** A driver connection: closed when told, its own unwrap target. */
    private static Connection physical(AtomicBoolean closed) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "unwrap" -> proxy;
                    case "isClosed" -> closed.get();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** HikariCP's per-lease proxy: a new object each borrow, unwrapping to the same driver connection. */
    private static Connection lease(Connection physical) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "unwrap" -> physical;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** nanoTime may not move between two calls; a millisecond apart it has. */
    private static void tick() throws InterruptedException {
        Thread.sleep(1);
    }

    @Test
    void beforeAnyLossNothingIsSuspectAndNothingIsRecorded() {
        LossChecks checks = new LossChecks(4);
        Connection a = physical(new AtomicBoolean());
        assertThat(checks.suspect(lease(a))).isFalse();
        checks.released(lease(a));
        checks.checked(lease(a));
        assertThat(checks.size()).isZero();
    }

    @Test
    void afterALossEveryConnectionIsSuspectUntilItIsChecked() throws Exception {
        LossChecks checks = new LossChecks(4);
        Connection a = physical(new AtomicBoolean());
        Connection b = physical(new AtomicBoolean());
        tick();
        checks.sawLoss();
        tick();
        assertThat(checks.suspect(lease(a))).isTrue();
        assertThat(checks.suspect(lease(a))).as("still suspect until checked").isTrue();
        checks.checked(lease(a));
        assertThat(checks.suspect(lease(a))).as("checked: proven alive, through another lease's proxy").isFalse();
        assertThat(checks.suspect(lease(b))).as("its neighbour is not proven by it").isTrue();
    }

    @Test
    void aLeaseBegunAfterTheLossProvesTheConnectionWhenItEndsWithoutFindingItBroken() throws Exception {
        LossChecks checks = new LossChecks(4);
        Connection a = physical(new AtomicBoolean());
        checks.sawLoss();
        tick();
        checks.checked(lease(a));
        tick();
        checks.sawLoss();
        tick();
        assertThat(checks.suspect(lease(a))).as("a second loss makes it suspect again").isTrue();
        checks.checked(lease(a));
        tick();
        assertThat(checks.suspect(lease(a))).isFalse();
        checks.released(lease(a));
        tick();
        assertThat(checks.suspect(lease(a))).isFalse();
    }

    @Test
    void aLeaseBegunBeforeTheLossDoesNotProveTheConnectionEvenIfItEndsAfterIt() throws Exception {
        // The connection may have died after the lease's last statement: the lease closing later
        // proves nothing about the moment of the loss.
        LossChecks checks = new LossChecks(4);
        Connection a = physical(new AtomicBoolean());
        checks.sawLoss();
        tick();
        checks.checked(lease(a));
        tick();
        assertThat(checks.suspect(lease(a))).isFalse(); // this lease begins now
        tick();
        checks.sawLoss();
        tick();
        checks.released(lease(a));
        assertThat(checks.suspect(lease(a))).isTrue();
    }

    @Test
    void aForgottenConnectionHasNoRecordAndIsSuspectIfItComesBack() throws Exception {
        LossChecks checks = new LossChecks(4);
        Connection a = physical(new AtomicBoolean());
        checks.sawLoss();
        tick();
        checks.checked(lease(a));
        assertThat(checks.size()).isOne();
        checks.forget(lease(a));
        assertThat(checks.size()).isZero();
        assertThat(checks.suspect(lease(a))).isTrue();
    }

    @Test
    void recordsOfClosedConnectionsArePrunedSoTheyDoNotGrowWithTheConnectionsAPoolRetires() throws Exception {
        int poolSize = 2;
        LossChecks checks = new LossChecks(poolSize);
        checks.sawLoss();
        tick();
        AtomicBoolean live = new AtomicBoolean();
        Connection kept = physical(live);
        checks.checked(lease(kept));
        // HikariCP retires connections (max lifetime, evictions it makes itself) without telling us.
        for (int i = 0; i < 100; i++) {
            AtomicBoolean closed = new AtomicBoolean();
            Connection c = physical(closed);
            checks.checked(lease(c));
            closed.set(true);
        }
        assertThat(checks.size()).isLessThanOrEqualTo(2 * poolSize + 8 + 1);
        assertThat(checks.suspect(lease(kept))).as("the live one keeps its proof").isFalse();
    }
}
