package io.vigil.replay;

import com.github.luben.zstd.Zstd;
import org.xerial.snappy.Snappy;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Parquet page compression with zstd-jni and snappy-java directly: Parquet's own codecs go through Hadoop's codec
 * classes, which the Vigil jar does not carry. Compresses with Zstandard (the exports' codec) or Snappy; pages are
 * compressed on the writing thread. Decompresses zstd, snappy, gzip and uncompressed pages (backfill reads files of
 * other writers: Snappy is the default of pandas/pyarrow and Spark).
 *
 * <p>Not thread-safe: one per writer.
 */
final class ZstdCodecFactory implements CompressionCodecFactory {
    /** zstd's own default level: fast, and most of the gain over uncompressed feature rows. */
    static final int DEFAULT_LEVEL = 3;

    private final int level;

    ZstdCodecFactory(final int level) {
        if (level < Zstd.minCompressionLevel() || level > Zstd.maxCompressionLevel()) {
            throw new IllegalArgumentException("zstd level " + level + " outside " + Zstd.minCompressionLevel() +
                ".." + Zstd.maxCompressionLevel());
        }
        this.level = level;
    }

    @Override
    public BytesInputCompressor getCompressor(final CompressionCodecName codec) {
        if (codec != CompressionCodecName.ZSTD && codec != CompressionCodecName.SNAPPY &&
            codec != CompressionCodecName.UNCOMPRESSED) {
            throw new IllegalArgumentException("this codec factory compresses with zstd or snappy only, not " + codec);
        }
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(final BytesInput bytes) throws IOException {
                if (codec == CompressionCodecName.UNCOMPRESSED) {
                    return bytes;
                }
                final byte[] in = bytesOf(bytes);
                return BytesInput.from(codec == CompressionCodecName.SNAPPY ? Snappy.compress(in) : Zstd.compress(in, level));
            }

            @Override
            public CompressionCodecName getCodecName() {
                return codec;
            }

            @Override
            public void release() {
            }
        };
    }

    /**
     * Decompresses zstd pages, and also snappy, gzip and uncompressed ones (files of other writers read by
     * {@code vigil features backfill}); other codecs (lz4, brotli, lzo) are refused, naming the codec.
     */
    @Override
    public BytesInputDecompressor getDecompressor(final CompressionCodecName codec) {
        if (codec != CompressionCodecName.ZSTD && codec != CompressionCodecName.UNCOMPRESSED &&
            codec != CompressionCodecName.GZIP && codec != CompressionCodecName.SNAPPY) {
            throw new IllegalArgumentException("Parquet pages compressed with " + codec + ": this build reads zstd, " +
                "snappy, gzip and uncompressed pages only (rewrite the file with one of those)");
        }
        return new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(final BytesInput bytes, final int uncompressedSize) throws IOException {
                return BytesInput.from(decompressed(bytesOf(bytes), uncompressedSize));
            }

            @Override
            public void decompress(final ByteBuffer input, final int compressedSize, final ByteBuffer output,
                final int uncompressedSize) throws IOException {
                final byte[] in = new byte[compressedSize];
                input.get(in);
                output.put(decompressed(in, uncompressedSize));
            }

            private byte[] decompressed(final byte[] in, final int uncompressedSize) throws IOException {
                switch (codec) {
                    case UNCOMPRESSED:
                        return in;
                    case SNAPPY: {
                        final byte[] out = Snappy.uncompress(in);
                        if (out.length != uncompressedSize) {
                            throw new IOException("snappy page of " + out.length + " bytes, expected " + uncompressedSize);
                        }
                        return out;
                    }
                    case GZIP:
                        try (java.util.zip.GZIPInputStream gzip =
                                 new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(in))) {
                            final byte[] out = gzip.readNBytes(uncompressedSize);
                            if (out.length != uncompressedSize) {
                                throw new IOException("gzip page of " + out.length + " bytes, expected " + uncompressedSize);
                            }
                            return out;
                        }
                    default:
                        return Zstd.decompress(in, uncompressedSize);
                }
            }

            @Override
            public void release() {
            }
        };
    }

    @Override
    public void release() {
    }

    private static byte[] bytesOf(final BytesInput bytes) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream((int)Math.min(Integer.MAX_VALUE - 8, bytes.size()));
        bytes.writeAllTo(out);
        return out.toByteArray();
    }
}
