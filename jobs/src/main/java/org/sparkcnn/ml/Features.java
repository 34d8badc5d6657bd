package org.sparkcnn.ml;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.jobs.data.Pixels;

/**
 * One example's pixels from a DataFrame column, in the model's input layout (C x H x W): a Vector
 * or a numeric array of exactly C*H*W values, or an encoded image (PNG, JPEG, ...) decoded with
 * ImageIO, converted to grey or RGB by the model's channel count, resized to H x W and scaled to
 * [0, 1] as the dataset readers do.
 */
final class Features implements Serializable {

    private static final long serialVersionUID = 1L;

    enum Kind { VECTOR, ARRAY, IMAGE }

    final String column;
    final Kind kind;
    final Shape shape;

    private Features(String column, Kind kind, Shape shape) {
        this.column = column;
        this.kind = kind;
        this.shape = shape;
    }

    /** Checks the column's type; the message names the column and what is accepted. */
    static Features of(StructType schema, String column, Shape shape) {
        if (!List.of(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("features column '" + column + "' is not in the dataset (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        DataType t = schema.apply(column).dataType();
        Kind kind;
        if (t instanceof VectorUDT) {
            kind = Kind.VECTOR;
        } else if (t instanceof ArrayType a && a.elementType() instanceof NumericType) {
            kind = Kind.ARRAY;
        } else if (t instanceof BinaryType) {
            kind = Kind.IMAGE;
        } else {
            throw new IllegalArgumentException("features column '" + column + "' has type " + t.simpleString()
                    + "; expected a Vector, an array of numbers, or binary (an encoded image)");
        }
        return new Features(column, kind, shape);
    }

    /** Writes row {@code row}'s features at {@code out[off ..]}; {@code where} names the row in errors. */
    void read(Row row, int field, float[] out, int off, String where) {
        int size = shape.size();
        if (row.isNullAt(field)) {
            throw new IllegalArgumentException(where + ": features column '" + column + "' is null");
        }
        switch (kind) {
            case VECTOR -> {
                Vector v = (Vector) row.get(field);
                checkSize(v.size(), where);
                for (int i = 0; i < size; i++) {
                    out[off + i] = (float) v.apply(i);
                }
            }
            case ARRAY -> {
                List<Object> values = row.getList(field);
                checkSize(values.size(), where);
                for (int i = 0; i < size; i++) {
                    Object v = values.get(i);
                    if (v == null) {
                        throw new IllegalArgumentException(where + ": features column '" + column + "' value " + i + " is null");
                    }
                    out[off + i] = ((Number) v).floatValue();
                }
            }
            case IMAGE -> Pixels.decode((byte[]) row.get(field), shape, out, off, where + ": features column '" + column + "'");
        }
        for (int i = 0; i < size; i++) {
            if (!Float.isFinite(out[off + i])) {
                throw new IllegalArgumentException(where + ": features column '" + column + "' value " + i + " is "
                        + out[off + i] + " (not finite)");
            }
        }
    }

    private void checkSize(int n, String where) {
        if (n != shape.size()) {
            throw new IllegalArgumentException(where + ": features column '" + column + "' has " + n + " values; the model's "
                    + "input " + shape + " needs " + shape.size());
        }
    }

    /** A class label: a whole number in [0, classes); {@code where} names the row in errors. */
    static int label(Row row, int field, String column, int classes, String where) {
        if (row.isNullAt(field)) {
            throw new IllegalArgumentException(where + ": label column '" + column + "' is null");
        }
        double v = ((Number) row.get(field)).doubleValue();
        if (v != Math.rint(v) || v < 0 || v >= classes) {
            throw new IllegalArgumentException(where + ": label column '" + column + "' is " + v + "; expected a whole number "
                    + "in [0, " + classes + ")");
        }
        return (int) v;
    }
}
