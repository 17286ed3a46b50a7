package dev.roachkit.spring;

import dev.roachkit.core.Database;
import dev.roachkit.spring.internal.CommitListener;
import dev.roachkit.spring.internal.RetryInterceptor;
import java.lang.reflect.Method;
import org.springframework.aop.Advisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcher;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.transaction.TransactionExecutionListener;
import org.springframework.util.ReflectionUtils;

/**
 * Whole-method retries for {@link RetryableTransaction}: an advisor ordered just before Spring's
 * transaction interceptor (whose order is {@link Ordered#LOWEST_PRECEDENCE} unless the
 * application changes it), so each attempt runs in a transaction of its own, and a listener that
 * tells it when a transaction commits. Picked up by the auto-proxy creator that Spring Boot's
 * transaction auto-configuration registers.
 */
@AutoConfiguration(after = RoachkitAutoConfiguration.class,
        beforeName = "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration")
@ConditionalOnClass({Database.class, Advisor.class})
@ConditionalOnProperty(prefix = "roachkit", name = "enabled", havingValue = "true", matchIfMissing = true)
public class RoachkitRetryAutoConfiguration {
    /** The advisor's order: just before Spring's transaction advisor at its default order. */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    /** Created by Spring. */
    public RoachkitRetryAutoConfiguration() {
        // beans only
    }

    /**
     * The advisor that applies the retry advice to {@link RetryableTransaction} methods and classes.
     * Static, and resolving the database only on the first call, so that creating it early (as
     * advisors are) starts nothing.
     *
     * @param database the application's database
     * @return the advisor
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnMissingBean(name = "roachkitRetryAdvisor")
    public static Advisor roachkitRetryAdvisor(ObjectProvider<Database> database) {
        ComposablePointcut pointcut = new ComposablePointcut(new AnnotationMatchingPointcut(RetryableTransaction.class, true))
                .union(new AnnotationMatchingPointcut(null, RetryableTransaction.class, true))
                // toString, equals, hashCode are no transactional work (as for @Transactional): logging a
                // class-level retryable bean inside a transaction must not be refused as nested use.
                .intersection(new StaticMethodMatcher() {
                    @Override
                    public boolean matches(Method method, Class<?> targetClass) {
                        return !ReflectionUtils.isObjectMethod(method) && !AopUtils.isToStringMethod(method)
                                && !AopUtils.isEqualsMethod(method) && !AopUtils.isHashCodeMethod(method);
                    }
                });
        DefaultPointcutAdvisor advisor = new DefaultPointcutAdvisor(pointcut, new RetryInterceptor(database::getObject));
        advisor.setOrder(ORDER);
        return advisor;
    }

    /**
     * Tells the retry advice when transactions begin (their connections then leave restarts to it)
     * and commit (a method in which something already committed is never run again).
     *
     * @param database the application's database, resolved when a transaction begins
     * @return the listener Spring Boot attaches to its transaction managers
     */
    @Bean
    @ConditionalOnMissingBean(CommitListener.class)
    public static TransactionExecutionListener roachkitCommitListener(ObjectProvider<Database> database) {
        return new CommitListener(() -> {
            Database db = database.getIfUnique();
            return db == null ? null : db.pool();
        });
    }
}
