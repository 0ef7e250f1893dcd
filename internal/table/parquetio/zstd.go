package parquetio

import (
	"sync"

	kzstd "github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// zstdWindow is the zstd window of the encoders Parquet pages are compressed
// with. parquet-go's codec keeps the library default of 8 MiB, and an
// encoder's history grows toward window plus a block as it compresses,
// although the pages a writer cuts are small (page buffers are 256 KiB by
// default). A page longer than the window still compresses, only without
// matches further back than it.
const zstdWindow = 1 << 20

// zstdCodec compresses pages like parquet-go's zstd.Codec at SpeedFastest,
// with encoders of a small window pooled across all writers of the process.
// String, CompressionCodec and Decode are the embedded codec's; readers
// look their codec up by the file's metadata anyway.
type zstdCodec struct {
	zstd.Codec
	encoders sync.Pool // *kzstd.Encoder
}

func newZstdCodec() *zstdCodec {
	return &zstdCodec{Codec: zstd.Codec{Level: zstd.SpeedFastest}}
}

// Encode compresses src into dst's storage, as one zstd frame.
func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	e, _ := c.encoders.Get().(*kzstd.Encoder)
	if e == nil {
		var err error
		e, err = kzstd.NewWriter(nil,
			kzstd.WithEncoderConcurrency(1),
			kzstd.WithEncoderLevel(c.Level),
			kzstd.WithWindowSize(zstdWindow),
			kzstd.WithZeroFrames(true),
			kzstd.WithEncoderCRC(false),
		)
		if err != nil {
			return nil, err
		}
	}
	defer c.encoders.Put(e)
	return e.EncodeAll(src, dst[:0]), nil
}
