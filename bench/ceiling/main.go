// Command ceiling is the transform benchmark's ceiling: the same job as bench/baseline (keep
// atten_status == "0", group by person and work day with a 04:00 boundary in Asia/Shanghai, first
// and last punch and the seconds between, JSON lines in order of each group's first punch), done
// by a program tuned for this one job and nothing else. It runs on one core, reads its input in
// large blocks, scans the bytes of each line for the three keys the job reads and skips every other
// value without decoding it, and keeps a group as 24 bytes in a slice (the person as an index into
// a table of distinct accounts, the day as a day number).
//
//	go run ./bench/ceiling < punches.jsonl > groups.jsonl
//
// It handles what the benchmark's input holds and what JSON allows around it (any key order,
// whitespace, escaped quotes in skipped values, scalars as strings or as numbers), and fails on a
// line it cannot read rather than guessing. Work days use UTC+8: Asia/Shanghai has kept that
// offset without daylight saving since 1991, and the program refuses punches before 1992.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

const (
	shanghai    = 8 * 3600  // Asia/Shanghai's offset, without daylight saving since 1991
	boundary    = 4 * 3600  // a work day starts at 04:00
	noDSTSince  = 694195200 // 1992-01-01T00:00:00+08:00 (unix), after China's last daylight saving (1991)
	blockSize   = 4 << 20
	maxLineSize = 64 << 20
)

// group is one person's work day: uid indexes the table of accounts.
type group struct {
	uid         uint32
	day         int32 // days since 1970-01-01 of the work day
	first, last int64
}

type state struct {
	uids   []string          // distinct accounts, by index
	uidIdx map[string]uint32 // account → index
	index  map[uint64]int32  // uid<<32 | day → position in groups
	groups []group
}

func run(r io.Reader, w io.Writer) error {
	st := &state{uidIdx: map[string]uint32{}, index: map[uint64]int32{}}
	buf := make([]byte, blockSize)
	n, line := 0, 0
	for {
		m, err := io.ReadFull(r, buf[n:])
		n += m
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return fmt.Errorf("read: %w", err)
		}
		b := buf[:n]
		for {
			nl := bytes.IndexByte(b, '\n')
			if nl < 0 {
				break
			}
			line++
			if err := st.add(b[:nl]); err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			b = b[nl+1:]
		}
		if eof {
			if len(bytes.TrimSpace(b)) > 0 {
				line++
				if err := st.add(b); err != nil {
					return fmt.Errorf("line %d: %w", line, err)
				}
			}
			break
		}
		// Keep the partial line at the start of the buffer, growing it for a line longer than
		// the buffer.
		n = copy(buf, b)
		if n == len(buf) {
			if len(buf) >= maxLineSize {
				return fmt.Errorf("line %d: longer than %d bytes", line+1, maxLineSize)
			}
			buf = append(buf, make([]byte, len(buf))...)
		}
	}
	return st.write(w)
}

var errLine = errors.New("not a punch record")

// add reads the three fields of one line and adds it to its group.
func (st *state) add(b []byte) error {
	var uid, status, at []byte
	var haveUID, haveStatus, haveTime bool
	i := ws(b, 0)
	if i == len(b) {
		return nil // a blank line
	}
	if b[i] != '{' {
		return errLine
	}
	i = ws(b, i+1)
	if i < len(b) && b[i] == '}' {
		i = len(b)
	}
	for i < len(b) {
		if b[i] != '"' {
			return errLine
		}
		ke := bytes.IndexByte(b[i+1:], '"')
		if ke < 0 {
			return errLine
		}
		key := b[i+1 : i+1+ke]
		i = ws(b, i+ke+2)
		if i >= len(b) || b[i] != ':' {
			return errLine
		}
		i = ws(b, i+1)
		var val []byte
		var err error
		val, i, err = value(b, i)
		if err != nil {
			return err
		}
		switch string(key) {
		case "atten_uid":
			uid, haveUID = val, true
		case "atten_status":
			status, haveStatus = val, true
		case "atten_time":
			at, haveTime = val, true
		}
		i = ws(b, i)
		if i < len(b) && b[i] == ',' {
			i = ws(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			break
		}
		return errLine
	}
	if !haveStatus || string(status) != "0" {
		return nil
	}
	if !haveUID || !haveTime {
		return fmt.Errorf("%w: want atten_uid and atten_time", errLine)
	}
	t, err := strconv.ParseInt(string(at), 10, 64)
	if err != nil {
		return fmt.Errorf("atten_time: %w", err)
	}
	if t < noDSTSince {
		return fmt.Errorf("atten_time %d: before 1992, when Asia/Shanghai still kept daylight saving", t)
	}
	st.put(uid, int32((t+shanghai-boundary)/86400), t)
	return nil
}

// value returns the value at b[i] (a string's content without quotes, or a bare scalar) and the
// index after it. A string with escapes comes back as written (an escaped account is written
// back escaped, which is the same JSON text); the job's inputs do not escape the three fields.
func value(b []byte, i int) ([]byte, int, error) {
	if i >= len(b) {
		return nil, i, errLine
	}
	switch b[i] {
	case '"':
		s := i + 1
		j := s
		for {
			q := bytes.IndexByte(b[j:], '"')
			if q < 0 {
				return nil, i, errLine
			}
			j += q
			// A quote after an odd number of backslashes is escaped.
			bs := 0
			for k := j - 1; k >= s && b[k] == '\\'; k-- {
				bs++
			}
			if bs%2 == 0 {
				return b[s:j], j + 1, nil
			}
			j++
		}
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, e, err := value(b, j)
				if err != nil {
					return nil, i, err
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return b[i : j+1], j + 1, nil
				}
			}
		}
		return nil, i, errLine
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	return b[i:j], j, nil
}

func ws(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

func (st *state) put(uid []byte, day int32, t int64) {
	u, ok := st.uidIdx[string(uid)]
	if !ok {
		u = uint32(len(st.uids))
		s := string(uid)
		st.uids = append(st.uids, s)
		st.uidIdx[s] = u
	}
	k := uint64(u)<<32 | uint64(uint32(day))
	gi, ok := st.index[k]
	if !ok {
		st.index[k] = int32(len(st.groups))
		st.groups = append(st.groups, group{uid: u, day: day, first: t, last: t})
		return
	}
	g := &st.groups[gi]
	g.first = min(g.first, t)
	g.last = max(g.last, t)
}

func (st *state) write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	for _, g := range st.groups {
		line = append(line[:0], `{"uid":"`...)
		line = append(line, st.uids[g.uid]...)
		line = append(line, `","day":"`...)
		line = appendDate(line, g.day)
		line = append(line, `","first":`...)
		line = strconv.AppendInt(line, g.first, 10)
		line = append(line, `,"last":`...)
		line = strconv.AppendInt(line, g.last, 10)
		line = append(line, `,"seconds":`...)
		line = strconv.AppendInt(line, g.last-g.first, 10)
		line = append(line, "}\n"...)
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// appendDate appends the civil date of a day number (days since 1970-01-01) as YYYY-MM-DD
// (Howard Hinnant's civil_from_days).
func appendDate(b []byte, days int32) []byte {
	z := int64(days) + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	b = strconv.AppendInt(b, y, 10)
	b = append(b, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
	return b
}
