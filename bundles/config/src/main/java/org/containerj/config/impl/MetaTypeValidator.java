package org.containerj.config.impl;

import java.util.HashMap;
import java.util.Map;

import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Checks a plugin table against the metatype its bundle declares for the PID: a value whose
 * type does not fit the attribute, or that the attribute's {@link AttributeDefinition#validate}
 * rejects, is an error; a key the metatype does not know is a warning (and passed on).
 */
final class MetaTypeValidator {

    private MetaTypeValidator() {
    }

    /**
     * @param pid the plugin's PID
     * @param properties the flattened table
     * @param ocd the metatype for the PID
     * @param path where the table is, for messages
     * @param problems where errors and warnings go
     */
    static void validate(String pid, Map<String, Object> properties, ObjectClassDefinition ocd, KeyPath path,
                         ProblemList problems) {
        Map<String, AttributeDefinition> attributes = new HashMap<>();
        AttributeDefinition[] ads = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        if (ads != null) {
            for (AttributeDefinition ad : ads) {
                attributes.put(ad.getID(), ad);
            }
        }
        for (Map.Entry<String, Object> e : properties.entrySet()) {
            KeyPath key = keyPath(path, e.getKey());
            AttributeDefinition ad = attributes.get(e.getKey());
            if (ad == null) {
                problems.warn(key, "unknown key for " + pid + " (its metatype has no such attribute), passed on");
                continue;
            }
            String error = check(ad, e.getValue());
            if (error != null) {
                problems.error(key, error);
            }
        }
    }

    private static KeyPath keyPath(KeyPath table, String flattened) {
        KeyPath k = table;
        for (String segment : flattened.split("\\.", -1)) {
            k = k.child(segment);
        }
        return k;
    }

    /** Null when the value fits, otherwise what is wrong. */
    static String check(AttributeDefinition ad, Object value) {
        int cardinality = ad.getCardinality();
        if (value instanceof Object[] array) {
            if (cardinality == 0) {
                return "expected a single " + typeName(ad.getType()) + ", got an array";
            }
            int max = Math.abs(cardinality);
            if (max != Integer.MAX_VALUE && array.length > max) {
                return "at most " + max + " values allowed, got " + array.length;
            }
            for (Object element : array) {
                String error = checkOne(ad, element);
                if (error != null) {
                    return error;
                }
            }
            return null;
        }
        return checkOne(ad, value);
    }

    private static String checkOne(AttributeDefinition ad, Object value) {
        int type = ad.getType();
        if (!fits(type, value)) {
            return "expected " + article(typeName(type)) + ", got " + TomlValues.describe(value);
        }
        String result;
        try {
            result = ad.validate(String.valueOf(value));
        } catch (RuntimeException e) {
            return null;
        }
        return result == null || result.isEmpty() ? null : "invalid value " + TomlValues.describe(value) + ": " + result;
    }

    @SuppressWarnings("deprecation")
    private static boolean fits(int type, Object value) {
        switch (type) {
            case AttributeDefinition.STRING:
            case AttributeDefinition.PASSWORD:
                return value instanceof String;
            case AttributeDefinition.CHARACTER:
                return value instanceof String s && s.length() == 1;
            case AttributeDefinition.BOOLEAN:
                return value instanceof Boolean;
            case AttributeDefinition.LONG:
                return value instanceof Long;
            case AttributeDefinition.INTEGER:
                return value instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE;
            case AttributeDefinition.SHORT:
                return value instanceof Long l && l >= Short.MIN_VALUE && l <= Short.MAX_VALUE;
            case AttributeDefinition.BYTE:
                return value instanceof Long l && l >= Byte.MIN_VALUE && l <= Byte.MAX_VALUE;
            case AttributeDefinition.DOUBLE:
            case AttributeDefinition.FLOAT:
                return value instanceof Long || value instanceof Double;
            case AttributeDefinition.BIGINTEGER:
                return value instanceof Long;
            case AttributeDefinition.BIGDECIMAL:
                return value instanceof Long || value instanceof Double;
            default:
                return true;
        }
    }

    @SuppressWarnings("deprecation")
    static String typeName(int type) {
        switch (type) {
            case AttributeDefinition.STRING:
            case AttributeDefinition.PASSWORD:
                return "string";
            case AttributeDefinition.CHARACTER:
                return "one-character string";
            case AttributeDefinition.BOOLEAN:
                return "boolean";
            case AttributeDefinition.LONG:
            case AttributeDefinition.BIGINTEGER:
                return "integer";
            case AttributeDefinition.INTEGER:
                return "integer (32 bit)";
            case AttributeDefinition.SHORT:
                return "integer (16 bit)";
            case AttributeDefinition.BYTE:
                return "integer (8 bit)";
            default:
                return "number";
        }
    }

    private static String article(String noun) {
        return ("aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }
}
