package org.sparkcnn.engine.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Strict reader of a factory's option map: unknown keys, null values and wrong types are errors that
 * name the owner and the key. Numbers may be given as {@link Number} or numeric {@link String}
 * (config files), booleans as {@link Boolean} or "true"/"false", lists as {@link List} or arrays.
 */
final class Opts {
    private final String owner;
    private final Map<String, ?> map;

    Opts(String owner, Map<String, ?> map, List<String> valid) {
        this.owner = owner;
        this.map = map == null ? Map.of() : map;
        for (String key : this.map.keySet()) {
            if (!valid.contains(key)) {
                throw new IllegalArgumentException(owner + ": unknown option '" + key + "'; valid keys: " + valid);
            }
        }
    }

    private Object get(String key) {
        Object v = map.get(key);
        if (v == null) throw Check.fail(owner, key, "must not be null", null);
        return v;
    }

    private IllegalArgumentException wrongType(String key, String what, Object v) {
        return Check.fail(owner, key, "must be " + what, v + " (" + v.getClass().getSimpleName() + ")");
    }

    private double toDouble(String key, Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw wrongType(key, "a number", v);
            }
        }
        throw wrongType(key, "a number", v);
    }

    private long toLong(String key, Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        double d = toDouble(key, v);
        if (d != Math.rint(d) || Math.abs(d) > 0x1p53) throw wrongType(key, "an integer", v);
        return (long) d;
    }

    boolean has(String key) {
        return map.containsKey(key);
    }

    double num(String key, double def) {
        return has(key) ? toDouble(key, get(key)) : def;
    }

    double num(String key) {
        require(key);
        return toDouble(key, get(key));
    }

    long integer(String key, long def) {
        return has(key) ? toLong(key, get(key)) : def;
    }

    long integer(String key) {
        require(key);
        return toLong(key, get(key));
    }

    boolean bool(String key, boolean def) {
        if (!has(key)) return def;
        Object v = get(key);
        if (v instanceof Boolean b) return b;
        if (v instanceof String s) {
            if (s.trim().equalsIgnoreCase("true")) return true;
            if (s.trim().equalsIgnoreCase("false")) return false;
        }
        throw wrongType(key, "true or false", v);
    }

    /** A string out of {@code allowed} (compared case-insensitively, returned lower-case). */
    String choice(String key, String def, List<String> allowed) {
        if (!has(key)) return def;
        Object v = get(key);
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        if (!(v instanceof String) || !allowed.contains(s)) throw wrongType(key, "one of " + allowed, v);
        return s;
    }

    double[] nums(String key, double[] def) {
        if (!has(key)) return def.clone();
        List<Object> items = list(key);
        double[] out = new double[items.size()];
        for (int i = 0; i < out.length; i++) out[i] = toDouble(key, items.get(i));
        return out;
    }

    long[] integers(String key) {
        require(key);
        List<Object> items = list(key);
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) out[i] = toLong(key, items.get(i));
        return out;
    }

    private List<Object> list(String key) {
        Object v = get(key);
        List<Object> items = new ArrayList<>();
        if (v instanceof List<?> l) {
            items.addAll(l);
        } else if (v instanceof double[] a) {
            for (double x : a) items.add(x);
        } else if (v instanceof float[] a) {
            for (float x : a) items.add(x);
        } else if (v instanceof int[] a) {
            for (int x : a) items.add(x);
        } else if (v instanceof long[] a) {
            for (long x : a) items.add(x);
        } else if (v instanceof Object[] a) {
            items.addAll(Arrays.asList(a));
        } else {
            throw wrongType(key, "a list", v);
        }
        for (Object o : items) if (o == null) throw wrongType(key, "a list without nulls", v);
        return items;
    }

    private void require(String key) {
        if (!has(key)) throw Check.fail(owner, key, "is required", "nothing");
    }
}
