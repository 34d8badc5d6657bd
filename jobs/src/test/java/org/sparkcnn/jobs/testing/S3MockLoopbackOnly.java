package org.sparkcnn.jobs.testing;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Loaded into S3Mock's own JVM (through {@code META-INF/spring.factories}): binds S3Mock's
 * second plain-HTTP Tomcat connector, which it creates as a bean with no address (all interfaces),
 * to 127.0.0.1 before it starts. Tomcat is reached by reflection, so this class needs only Spring.
 */
public final class S3MockLoopbackOnly implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        context.getBeanFactory().addBeanPostProcessor(new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String beanName) {
                if (bean.getClass().getName().equals("org.apache.catalina.connector.Connector")) {
                    try {
                        Object ok = bean.getClass().getMethod("setProperty", String.class, String.class)
                                .invoke(bean, "address", "127.0.0.1");
                        if (!Boolean.TRUE.equals(ok)) {
                            throw new IllegalStateException("Tomcat connector " + beanName + " refused address 127.0.0.1");
                        }
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException("cannot bind connector " + beanName + " to 127.0.0.1", e);
                    }
                }
                return bean;
            }
        });
    }
}
