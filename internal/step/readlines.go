package step

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/specpipe/specpipe/internal/record"
)

// A JSON-lines file is decoded in parallel: one goroutine reads the file in blocks that end at a
// line's end, workers decode the lines of a block each, and the step emits the blocks' records in
// file order, so records keep their order and failures their line numbers.
const (
	blockSize   = 256 << 10 // bytes read per block (a block grows to hold a longer line)
	maxLineSize = 64 << 20  // a longer line fails the read, as it did with bufio.Scanner
)

// block is a run of whole lines of the file and, once decoded, their records.
type block struct {
	data   []byte
	line   int // the number of the block's first line
	recs   []any
	staged []Staged  // with a stage, what it made of each of recs
	fails  []lineErr // in line order
	// done is closed once a worker has decoded the block.
	done chan struct{}
}

type lineErr struct {
	line int
	err  error
}

// decoded is one line's record or failure, in file order.
type decoded struct {
	rec    any
	staged *Staged // what the stage made of rec, when there is a stage
	line   int
	err    error
}

// readLines decodes the JSON lines of r (the file path) with dec on workers goroutines, reading
// size bytes at a time, and calls each for every record (err nil) or line that fails to decode,
// in file order. A stager, when not nil, stages each record on the worker's goroutine that
// decodes it, and reads ahead the records of a block before each is called for them. It returns each's first error as it is, a read error or ctx's error, having stopped
// its goroutines.
func readLines(ctx context.Context, path string, r io.Reader, dec *record.Decoder, size, workers int, st Stager, each func(decoded) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	work := make(chan *block, workers)
	order := make(chan *block, 2*workers)
	var readErr error                      // set by the reader before it closes order
	free := make(chan *block, 2*workers+2) // emitted blocks, for their buffers
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(work)
		err := splitBlocks(ctx, r, size, free, func(b *block) bool {
			select {
			case order <- b:
			case <-ctx.Done():
				return false
			}
			select {
			case work <- b:
				return true
			case <-ctx.Done():
				return false
			}
		})
		if err != nil && ctx.Err() == nil {
			readErr = fmt.Errorf("read %s: %w", path, err)
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := record.NewInterner()
			var wstage func(any, *Staged)
			var slab *record.Slab
			if st != nil {
				wstage = func(rec any, s *Staged) { st.Stage(w, rec, s) }
				if st.Transient() {
					slab = dec.NewSlab()
				}
			}
			for b := range work {
				decodeBlock(b, dec, in, slab, wstage)
				close(b.done)
			}
		}()
	}
	for b := range order {
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if st != nil {
			for i := range b.staged {
				if b.recs[i] != nil {
					st.Ahead(&b.staged[i])
				}
			}
		}
		if err := emitBlock(b, each); err != nil {
			return err
		}
		select {
		case free <- b:
		default:
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return readErr
}

// emitBlock calls each for the records and failures of a decoded block, in line order, and lets
// go of the records.
func emitBlock(b *block, each func(decoded) error) error {
	fails := b.fails
	for i, rec := range b.recs {
		if rec == nil {
			f := fails[0]
			fails = fails[1:]
			if err := each(decoded{line: f.line, err: f.err}); err != nil {
				return err
			}
			continue
		}
		b.recs[i] = nil
		d := decoded{rec: rec}
		if b.staged != nil {
			d.staged = &b.staged[i]
		}
		err := each(d)
		if d.staged != nil {
			d.staged.Reset()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// splitBlocks reads r in blocks of whole lines (reusing the emitted blocks in free) and passes
// each to send until send returns false.
func splitBlocks(ctx context.Context, r io.Reader, size int, free chan *block, send func(*block) bool) error {
	line := 1
	var carry []byte // the start of a line that the last read cut
	for {
		b := &block{}
		select {
		case b = <-free:
		default:
		}
		buf := b.data[:0]
		if buf == nil {
			buf = make([]byte, 0, size)
		}
		if need := max(size, 2*len(carry)); cap(buf) < need {
			buf = make([]byte, 0, need)
		}
		buf = append(buf[:0], carry...)
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return err
		}
		end := len(buf)
		if !eof {
			end = bytes.LastIndexByte(buf, '\n') + 1
		}
		if end == 0 {
			if eof {
				return nil
			}
			// No line ends in the buffer: read on into a larger one.
			if len(buf) >= maxLineSize {
				return fmt.Errorf("line %d: longer than %d bytes", line, maxLineSize)
			}
			carry = buf
			continue
		}
		carry = append(carry[:0:0], buf[end:]...)
		*b = block{data: buf[:end], line: line, recs: b.recs[:0], staged: b.staged[:0], fails: b.fails[:0], done: make(chan struct{})}
		line += bytes.Count(b.data, []byte{'\n'})
		if !send(b) {
			return ctx.Err()
		}
		if eof {
			return nil
		}
	}
}

// decodeBlock decodes the lines of b into b.recs (nil for a line that failed, whose failure is in
// b.fails), made by slab when it is not nil, staging each record into b.staged when stage is
// not nil; blank lines are skipped.
func decodeBlock(b *block, dec *record.Decoder, in *record.Interner, slab *record.Slab, stage func(any, *Staged)) {
	data := b.data
	line := b.line
	for len(data) > 0 {
		var l []byte
		if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
			l, data = data[:nl], data[nl+1:]
		} else {
			l, data = data, nil
		}
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
		if !isBlank(l) {
			var rec any
			var err error
			if slab != nil {
				rec, err = dec.DecodeJSONSlab(l, in, slab)
			} else {
				rec, err = dec.DecodeJSON(l, in)
			}
			if err != nil {
				b.fails = append(b.fails, lineErr{line: line, err: err})
			}
			b.recs = append(b.recs, rec)
			if stage != nil {
				if n := len(b.staged); n < cap(b.staged) {
					b.staged = b.staged[:n+1] // its slot, reset when it was emitted
				} else {
					b.staged = append(b.staged, Staged{})
				}
				if err == nil {
					stage(rec, &b.staged[len(b.staged)-1])
				}
			}
		}
		line++
	}
}

// decodeWorkers is how many goroutines decode a JSON-lines file.
func decodeWorkers() int { return max(1, runtime.GOMAXPROCS(0)) }
