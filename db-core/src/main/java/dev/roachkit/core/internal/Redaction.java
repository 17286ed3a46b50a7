package dev.roachkit.core.internal;

import java.util.regex.Pattern;

/**
 * Masks secrets in text that may end up in a message or log line. Used on anything that may
 * hold a connection URL, including URLs too malformed to parse: it errs on the side of masking
 * too much (everything between the user name and the last {@code @} of a URL's authority).
 *
 * <p>Stateless; thread-safe.
 */
public final class Redaction {
    /** What a masked secret reads as. */
    public static final String MASK = "****";

    // scheme://user:SECRET@host — greedy up to the last '@' before white space, so a password
    // holding an unencoded '@' or '/' is still covered.
    private static final Pattern URL_PASSWORD = Pattern.compile("(://[^:/@\\s]*:)[^\\s]*@");
    // user:SECRET@host with no scheme at all (a URL missing its postgresql://), at the start of a
    // word or after a quote, '=' or '(' — the form a malformed db_url is echoed in.
    private static final Pattern BARE_USER_INFO = Pattern.compile("(^|[\\s'\"(=])([^\\s:/@'\"]+:)(?!//)[^\\s'\"]*@");
    // password=SECRET and sslpassword=SECRET in query strings and property lists.
    private static final Pattern PARAM_PASSWORD = Pattern.compile("(?i)(password\\s*=\\s*)[^&\\s,;}]*");

    private Redaction() {
    }

    /**
     * Masks passwords in URL user-info (with or without a scheme) and in {@code password=} parameters.
     *
     * @param text any text, may be null
     * @return the text with each password replaced by {@value #MASK}; null for null
     */
    public static String maskUrls(String text) {
        if (text == null) {
            return null;
        }
        String masked = URL_PASSWORD.matcher(text).replaceAll("$1" + MASK + "@");
        masked = BARE_USER_INFO.matcher(masked).replaceAll("$1$2" + MASK + "@");
        return PARAM_PASSWORD.matcher(masked).replaceAll("$1" + MASK);
    }

    /**
     * Removes every occurrence of a known secret, raw and percent-encoded, from text. Used as a
     * last line of defence on driver messages that could echo what they were given.
     *
     * @param text any text, may be null
     * @param secret the secret; nothing is done when null or empty
     * @return the text with the secret replaced by {@value #MASK}
     */
    public static String scrub(String text, String secret) {
        if (text == null || secret == null || secret.isEmpty()) {
            return text;
        }
        String out = text.replace(secret, MASK);
        String encoded = java.net.URLEncoder.encode(secret, java.nio.charset.StandardCharsets.UTF_8);
        return encoded.equals(secret) ? out : out.replace(encoded, MASK);
    }
}
