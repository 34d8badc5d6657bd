package org.sparkcnn.ml;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.engine.Shape;

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
            case IMAGE -> decode((byte[]) row.get(field), out, off, where);
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

    private void decode(byte[] bytes, float[] out, int off, String where) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": features column '" + column + "' cannot be decoded as an image: "
                    + e.getMessage(), e);
        }
        if (img == null) {
            throw new IllegalArgumentException(where + ": features column '" + column + "' is not an image ImageIO can "
                    + "decode (" + bytes.length + " bytes)");
        }
        int h = shape.height(), w = shape.width(), c = shape.channels();
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException("image input needs a model with 1 or 3 input channels, not " + c);
        }
        BufferedImage sized = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (c == 1) {
                    out[off + y * w + x] = (sized.getRaster().getSample(x, y, 0) & 0xff) / 255f;
                } else {
                    int rgb = sized.getRGB(x, y);
                    out[off + y * w + x] = ((rgb >> 16) & 0xff) / 255f;
                    out[off + h * w + y * w + x] = ((rgb >> 8) & 0xff) / 255f;
                    out[off + 2 * h * w + y * w + x] = (rgb & 0xff) / 255f;
                }
            }
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
