package step

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/record"
)

type lineRec struct {
	ID string `expr:"id" json:"id"`
	N  int64  `expr:"n" json:"n"`
}

// sequential is what a JSON-lines read gave before it decoded in parallel: bufio.Scanner's
// lines, blank ones skipped, each decoded in turn.
func sequential(data string, dec *record.Decoder) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(nil, maxLineSize)
	line := 0
	for sc.Scan() {
		line++
		if isBlank(sc.Bytes()) {
			continue
		}
		rec, err := dec.DecodeJSON(sc.Bytes(), nil)
		if err != nil {
			out = append(out, fmt.Sprintf("%d: %v", line, err))
			continue
		}
		out = append(out, fmt.Sprintf("%+v", *rec.(*lineRec)))
	}
	return out
}

// TestReadLines checks that decoding in parallel blocks gives the records and failures, with
// their line numbers, of decoding line by line, whatever the block size and the number of
// workers.
func TestReadLines(t *testing.T) {
	dec := record.NewDecoder(reflect.TypeFor[lineRec](), time.UTC, func(string) bool { return true })
	var many strings.Builder
	for i := range 3000 {
		switch {
		case i%101 == 7:
			fmt.Fprintf(&many, "{\"id\":\"bad %d\",\"n\":\"x\"}\n", i)
		case i%97 == 3:
			many.WriteString("  \r\n")
		default:
			fmt.Fprintf(&many, "{\"id\":\"r%d\",\"n\":%d,\"pad\":%q}\r\n", i, i, strings.Repeat("p", i%300))
		}
	}
	long := `{"id":"long","pad":"` + strings.Repeat("x", 5000) + `"}`
	for _, tc := range []struct{ name, data string }{
		{"empty", ""},
		{"one line without a newline", `{"id":"a","n":1}`},
		{"blank lines only", "\n \n\t\r\n"},
		{"a bad line", "{\"id\":\"a\"}\n{\"id\":\n{\"id\":\"c\",\"n\":3}\n"},
		{"a line longer than a block", `{"id":"a"}` + "\n" + long + "\n" + long + `{"id":"b"}`},
		{"many lines", many.String()},
	} {
		want := sequential(tc.data, dec)
		for _, size := range []int{16, 100, 4096, blockSize} {
			for _, workers := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/block %d/workers %d", tc.name, size, workers), func(t *testing.T) {
					var got []string
					err := readLines(context.Background(), "f.jsonl", iotest.HalfReader(strings.NewReader(tc.data)), dec, size, workers, nil, func(d decoded) error {
						if d.err != nil {
							got = append(got, fmt.Sprintf("%d: %v", d.line, d.err))
						} else {
							got = append(got, fmt.Sprintf("%+v", *d.rec.(*lineRec)))
						}
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					if d := cmp.Diff(want, got); d != "" {
						t.Errorf("(-line by line +in blocks):\n%s", d)
					}
				})
			}
		}
	}
}

// TestReadLinesStops checks that an error from each, a read error and a cancelled context end
// the read with that error.
func TestReadLinesStops(t *testing.T) {
	dec := record.NewDecoder(reflect.TypeFor[lineRec](), time.UTC, func(string) bool { return true })
	data := strings.Repeat("{\"id\":\"a\"}\n", 10000)
	stop := errors.New("stop")
	n := 0
	err := readLines(context.Background(), "f.jsonl", strings.NewReader(data), dec, 64, 2, nil, func(decoded) error {
		if n++; n == 500 {
			return stop
		}
		return nil
	})
	if err != stop || n != 500 {
		t.Errorf("each's error: got %v after %d records, want stop after 500", err, n)
	}

	err = readLines(context.Background(), "f.jsonl", iotest.TimeoutReader(strings.NewReader(data)), dec, 64, 2, nil, func(decoded) error { return nil })
	if !errors.Is(err, iotest.ErrTimeout) || !strings.HasPrefix(err.Error(), "read f.jsonl: ") {
		t.Errorf("read error: got %v, want read f.jsonl: %v", err, iotest.ErrTimeout)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = readLines(ctx, "f.jsonl", strings.NewReader(data), dec, 64, 2, nil, func(decoded) error {
		if n++; n == 100 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 110 {
		t.Errorf("cancelled: got %v after %d records, want context.Canceled soon after 100", err, n)
	}

	huge := bytes.Repeat([]byte{'x'}, maxLineSize+1)
	err = readLines(context.Background(), "f.jsonl", bytes.NewReader(huge), dec, 1<<20, 1, nil, func(decoded) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "line 1: longer than") {
		t.Errorf("a line too long: got %v", err)
	}
}
