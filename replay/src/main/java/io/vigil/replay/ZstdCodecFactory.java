package io.vigil.replay;

import com.github.luben.zstd.Zstd;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Parquet page compression with zstd-jni directly: Parquet's own codecs go through Hadoop's codec classes, which the
 * Vigil jar does not carry. Compresses with Zstandard only (and no compression); pages are compressed on the writing
 * thread. Decompresses zstd, gzip and uncompressed pages (backfill reads files of other writers).
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
        if (codec != CompressionCodecName.ZSTD) {
            throw new IllegalArgumentException("this codec factory compresses with zstd only, not " + codec);
        }
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(final BytesInput bytes) throws IOException {
                return BytesInput.from(Zstd.compress(bytesOf(bytes), level));
            }

            @Override
            public CompressionCodecName getCodecName() {
                return CompressionCodecName.ZSTD;
            }

            @Override
            public void release() {
            }
        };
    }

    /**
     * Decompresses zstd pages, and also uncompressed and gzip ones (files of other writers read by
     * {@code vigil features backfill}); other codecs (snappy, lz4, brotli) are refused, naming the codec.
     */
    @Override
    public BytesInputDecompressor getDecompressor(final CompressionCodecName codec) {
        if (codec != CompressionCodecName.ZSTD && codec != CompressionCodecName.UNCOMPRESSED &&
            codec != CompressionCodecName.GZIP) {
            throw new IllegalArgumentException("Parquet pages compressed with " + codec + ": this build reads zstd, " +
                "gzip and uncompressed pages only (rewrite the file with one of those)");
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
