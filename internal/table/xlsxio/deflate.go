package xlsxio

import (
	"bytes"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"
)

// deflateChunk is the input size deflated as one independent segment.
// Smaller chunks spread work more evenly; larger ones lose less ratio at
// the segment boundaries, where the 32 KiB window starts empty again. At
// 512 KiB the loss is under 0.1%.
const deflateChunk = 512 << 10

// parallelDeflater is the zip compressor of written packages. Deflate at
// BestSpeed is most of the cost of writing a large sheet, so the input is
// cut into chunks that are deflated on their own goroutines while the
// caller goes on rendering XML. Each chunk but the last ends with a sync
// flush, which byte-aligns the stream without marking it final, so the
// compressed chunks concatenate into one valid deflate stream (as pigz
// does). Chunk boundaries depend only on the input, so the output is
// deterministic whatever the scheduling.
type parallelDeflater struct {
	out     io.Writer
	cur     *deflateJob   // filling
	pending []*deflateJob // deflating, in output order
	limit   int           // most jobs in flight before Write waits
	err     error
	closed  bool
}

type deflateJob struct {
	in   []byte
	out  bytes.Buffer
	last bool
	done chan struct{}
	err  error
}

var (
	// A BestSpeed flate.Writer holds about 1 MiB of tables, and a job two
	// chunk-sized buffers; reusing both keeps a large write from churning
	// the heap.
	flateWriters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
		return w
	}}
	deflateJobs = sync.Pool{New: func() any {
		return &deflateJob{in: make([]byte, 0, deflateChunk)}
	}}
)

func newParallelDeflater(out io.Writer) io.WriteCloser {
	return &parallelDeflater{out: out, limit: runtime.GOMAXPROCS(0) + 1}
}

func (d *parallelDeflater) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n := len(p)
	for len(p) > 0 {
		if d.cur == nil {
			d.cur = newDeflateJob()
		}
		in := d.cur.in
		k := copy(in[len(in):cap(in)], p)
		d.cur.in = in[:len(in)+k]
		p = p[k:]
		if len(d.cur.in) == cap(d.cur.in) {
			if err := d.submit(false); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

func newDeflateJob() *deflateJob {
	j := deflateJobs.Get().(*deflateJob)
	j.in, j.last, j.err = j.in[:0], false, nil
	j.out.Reset()
	j.done = make(chan struct{})
	return j
}

// submit starts deflating the filling job and, when too many are in
// flight, writes out the oldest.
func (d *parallelDeflater) submit(last bool) error {
	j := d.cur
	d.cur = nil
	j.last = last
	go j.run()
	d.pending = append(d.pending, j)
	for len(d.pending) > d.limit {
		if err := d.drainOne(); err != nil {
			return err
		}
	}
	return nil
}

func (j *deflateJob) run() {
	defer close(j.done)
	fw := flateWriters.Get().(*flate.Writer)
	fw.Reset(&j.out)
	_, j.err = fw.Write(j.in)
	if j.err == nil {
		if j.last {
			j.err = fw.Close()
		} else {
			j.err = fw.Flush()
		}
	}
	flateWriters.Put(fw)
}

func (d *parallelDeflater) drainOne() error {
	j := d.pending[0]
	d.pending = d.pending[1:]
	<-j.done
	if j.err != nil {
		d.err = j.err
		return d.err
	}
	if _, err := d.out.Write(j.out.Bytes()); err != nil {
		d.err = err
		return err
	}
	deflateJobs.Put(j)
	return nil
}

// Close deflates what is left as the final segment and writes out every
// job in order.
func (d *parallelDeflater) Close() error {
	if d.closed {
		return d.err
	}
	d.closed = true
	if d.err != nil {
		return d.err
	}
	if d.cur == nil {
		d.cur = newDeflateJob()
	}
	if err := d.submit(true); err != nil {
		return err
	}
	for len(d.pending) > 0 {
		if err := d.drainOne(); err != nil {
			return err
		}
	}
	return nil
}
