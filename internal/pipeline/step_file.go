package pipeline

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// readStep reads records from a JSON-lines or CSV file into a declared record type: a generated
// type (type: kqapi.Punch) or fields declared in the step (fields: {name: string, hours: float}).
// Only the fields some expression of the pipeline reads are decoded (all of them when an output
// writes whole records), so wide files stream fast.
type readStep struct {
	id     string
	path   string // resolved against the pipeline's directory
	format string // jsonl or csv
	rec    reflect.Type
	loc    *time.Location // zone of times without an offset
	dec    *record.Decoder
}

type readYAML struct {
	File   string     `yaml:"file"`
	Format string     `yaml:"format"`
	Type   string     `yaml:"type"`
	Fields *yaml.Node `yaml:"fields"`
}

func (l *loader) readStep(s *step, n *yaml.Node) (stepImpl, reflect.Type) {
	var ry readYAML
	l.d.Decode(n, &ry)
	if ry.File == "" {
		l.d.Errorf(n, "step %s: read: file: is required", s.id)
		return nil, nil
	}
	format, ok := fileFormat(ry.Format, ry.File)
	if !ok {
		l.d.Errorf(yamlx.KeyNode(n, "format"), "step %s: read: format: want jsonl or csv (or a file ending in .jsonl, .ndjson or .csv)", s.id)
		return nil, nil
	}
	r := &readStep{id: s.id, path: ry.File, format: format, loc: l.p.loc}
	if !filepath.IsAbs(r.path) {
		r.path = filepath.Join(l.p.dir, r.path)
	}
	switch {
	case ry.Type != "" && ry.Fields != nil:
		l.d.Errorf(yamlx.KeyNode(n, "fields"), "step %s: read: give type: or fields:, not both", s.id)
		return nil, nil
	case ry.Type != "":
		types := typeIndex(l.apis)
		ti, ok := types[ry.Type]
		if !ok {
			l.d.Errorf(yamlx.ValueNode(n, "type"), "step %s: unknown record type %q%s", s.id, ry.Type, eval.NearestText(ry.Type, sortedKeys(types), "types"))
			return nil, nil
		}
		r.rec, r.loc = ti.t, ti.loc
		if keep, ok := l.narrow[s.id]; ok {
			r.rec = record.Narrow(ti.t, keep)
		}
	case ry.Fields != nil:
		if ry.Fields.Kind != yaml.MappingNode || len(ry.Fields.Content) == 0 {
			l.d.Errorf(ry.Fields, "step %s: fields: want a mapping of field names to types", s.id)
			return nil, nil
		}
		var names []string
		var types []reflect.Type
		for i := 0; i+1 < len(ry.Fields.Content); i += 2 {
			k, v := ry.Fields.Content[i], ry.Fields.Content[i+1]
			t, ok := paramTypes[v.Value]
			if !ok {
				l.d.Errorf(v, "step %s: field %s: type %q is not one of %s", s.id, k.Value, v.Value, strings.Join(slices.Sorted(mapKeys(paramTypes)), ", "))
				continue
			}
			if !validIdent(k.Value) {
				l.d.Errorf(k, "step %s: field %q: a name is letters, digits and _", s.id, k.Value)
				continue
			}
			names = append(names, k.Value)
			types = append(types, t)
		}
		if len(names) == 0 {
			return nil, nil
		}
		r.rec = record.StructOf(names, types)
	default:
		l.d.Errorf(n, "step %s: read: give the record type (type: kqapi.Punch) or its fields (fields: {name: string})", s.id)
		return nil, nil
	}
	return r, reflect.PointerTo(r.rec)
}

func fileFormat(format, path string) (string, bool) {
	switch format {
	case "jsonl", "csv":
		return format, true
	case "":
		switch strings.ToLower(filepath.Ext(path)) {
		case ".jsonl", ".ndjson":
			return "jsonl", true
		case ".csv":
			return "csv", true
		}
	}
	return "", false
}

func (r *readStep) prepareDecoder(used func(string) bool, whole bool) {
	r.dec = record.NewDecoder(r.rec, r.loc, func(name string) bool { return whole || used(name) })
}

type readRun struct {
	r  *readStep
	rc *runCtx
	f  *os.File
	in *record.Interner
}

func (r *readStep) start(rc *runCtx) (stepRun, error) {
	f, err := os.Open(r.path)
	if err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("read %s: %w", r.path, err)}
	}
	return &readRun{r: r, rc: rc, f: f, in: record.NewInterner()}, nil
}

func (rr *readRun) Close() error { return rr.f.Close() }

func (rr *readRun) finish(func(any) error) error { return nil }

func (rr *readRun) process(_ any, emit func(any) error) error {
	st := rr.rc.stepSummary(rr.r.id)
	s := rr.rc.step(rr.r.id)
	fail := func(line int, err error) error {
		st.In++
		return rr.rc.check(s, st, nil, recordFailed(fmt.Errorf("%s:%d: %w", rr.r.path, line, err)))
	}
	if rr.r.format == "csv" {
		return rr.csv(emit, fail)
	}
	sc := bufio.NewScanner(rr.f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if isBlank(b) {
			continue
		}
		rec, err := rr.r.dec.DecodeJSON(b, rr.in)
		if err != nil {
			if err := fail(line, err); err != nil {
				return err
			}
			continue
		}
		st.In++
		if err := emit(rec); err != nil {
			return err
		}
		if line&1023 == 0 {
			if err := rr.rc.ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", rr.r.path, err)
	}
	return nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

func (rr *readRun) csv(emit func(any) error, fail func(int, error) error) error {
	cr := csv.NewReader(bufio.NewReaderSize(rr.f, 1<<16))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: header: %w", rr.r.path, err)
	}
	cols := rr.r.dec.Columns(header)
	if missing := rr.r.dec.Missing(cols); len(missing) > 0 {
		return &ConfigError{Err: fmt.Errorf("read %s: the header has no column %s (columns: %s)", rr.r.path, strings.Join(missing, ", "), strings.Join(header, ", "))}
	}
	line := 1
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line++
		if err != nil {
			if err := fail(line, err); err != nil {
				return err
			}
			continue
		}
		rec, err := rr.r.dec.DecodeRow(cols, row, rr.in)
		if err != nil {
			if err := fail(line, err); err != nil {
				return err
			}
			continue
		}
		rr.rc.stepSummary(rr.r.id).In++
		if err := emit(rec); err != nil {
			return err
		}
	}
}

func (rc *runCtx) step(id string) *step {
	for _, s := range rc.p.steps {
		if s.id == id {
			return s
		}
	}
	return &step{id: id}
}

// outputStep writes records to a JSON-lines or CSV file, whole or as chosen fields, and passes
// them on. Outputs are written in dry runs too (reports, and what a dry run would send). With
// split_by, each key gets its own file (the key replaces {split} in the file name); with when,
// only the records for which it is true are written (all of them are passed on).
type outputStep struct {
	id      string
	path    string
	format  string
	names   []string
	cols    []*eval.Program // nil: whole records
	splitBy *eval.Program
	when    *eval.Program
	in      reflect.Type
}

type outputYAML struct {
	File    string     `yaml:"file"`
	Format  string     `yaml:"format"`
	Fields  *yaml.Node `yaml:"fields"`
	SplitBy *yaml.Node `yaml:"split_by"`
	When    *yaml.Node `yaml:"when"`
}

// splitMark is where an output's split_by key goes in its file name.
const splitMark = "{split}"

// maxSplitFiles bounds the files one output step writes.
const maxSplitFiles = 1000

func (l *loader) outputStep(s *step, n *yaml.Node) (stepImpl, reflect.Type) {
	var oy outputYAML
	l.d.Decode(n, &oy)
	if oy.File == "" {
		l.d.Errorf(n, "step %s: output: file: is required", s.id)
		return nil, s.in
	}
	format, ok := fileFormat(oy.Format, oy.File)
	if !ok {
		l.d.Errorf(yamlx.KeyNode(n, "format"), "step %s: output: format: want jsonl or csv (or a file ending in .jsonl or .csv)", s.id)
		return nil, s.in
	}
	o := &outputStep{id: s.id, path: oy.File, format: format, in: s.in}
	if !filepath.IsAbs(o.path) {
		o.path = filepath.Join(l.p.dir, o.path)
	}
	sc := l.recScope(s.in)
	switch marked := strings.Contains(oy.File, splitMark); {
	case oy.SplitBy != nil && !marked:
		l.d.Errorf(yamlx.ValueNode(n, "file"), "step %s: output: with split_by, the file name needs %s where the key goes (e.g. out/summary-%s.csv)", s.id, splitMark, splitMark)
		ok = false
	case oy.SplitBy == nil && marked:
		l.d.Errorf(yamlx.ValueNode(n, "file"), "step %s: output: the file name has %s but no split_by: gives its key", s.id, splitMark)
		ok = false
	case oy.SplitBy != nil:
		if o.splitBy = l.c.Compile(oy.SplitBy, sc, eval.WantAny); o.splitBy == nil {
			ok = false
		}
	}
	if oy.When != nil {
		if o.when = l.c.Compile(oy.When, sc, eval.WantBool); o.when == nil {
			ok = false
		}
	}
	if oy.Fields != nil {
		names, progs, fok := l.exprMap(oy.Fields, sc, "fields")
		if !fok {
			return nil, s.in
		}
		o.names, o.cols = names, progs
	} else {
		t := s.in
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			l.d.Errorf(n, "step %s: output: the records are %s; give fields: {name: expression}", s.id, t)
			return nil, s.in
		}
		o.names = record.FieldNames(t)
	}
	if !ok {
		return nil, s.in
	}
	return o, s.in
}

// outFile is one file an output writes.
type outFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
	csv  *csv.Writer
}

type outputRun struct {
	o     *outputStep
	ev    *eval.Evaluator
	one   *outFile            // without split_by
	files map[string]*outFile // with split_by, by key
	order []*outFile          // every file, in the order they were opened
	buf   []byte
	row   []string
}

func (o *outputStep) start(rc *runCtx) (stepRun, error) {
	r := &outputRun{o: o, ev: rc.ev, files: map[string]*outFile{}}
	if o.format == "csv" {
		r.row = make([]string, len(o.names))
	}
	if o.splitBy == nil {
		f, err := r.open(o.path)
		if err != nil {
			return nil, err
		}
		r.one = f
	}
	return r, nil
}

// open creates one output file (and its directory) and writes the CSV header.
func (r *outputRun) open(path string) (*outFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("output %s: %w", path, err)}
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("output %s: %w", path, err)}
	}
	of := &outFile{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16)}
	if r.o.format == "csv" {
		of.csv = csv.NewWriter(of.w)
		if err := of.csv.Write(r.o.names); err != nil {
			f.Close()
			return nil, fmt.Errorf("output %s: %w", path, err)
		}
	}
	r.order = append(r.order, of)
	return of, nil
}

// splitFile is the file of a split_by key, opened when the key first comes.
func (r *outputRun) splitFile(rec any) (*outFile, error) {
	k, err := r.ev.Run(r.o.splitBy)
	if err != nil {
		return nil, recordFailed(err)
	}
	key := fileKey(fmt.Sprint(k))
	if f, ok := r.files[key]; ok {
		return f, nil
	}
	if len(r.files) >= maxSplitFiles {
		return nil, fmt.Errorf("output %s: more than %d split_by keys", r.o.path, maxSplitFiles)
	}
	f, err := r.open(strings.ReplaceAll(r.o.path, splitMark, key))
	if err != nil {
		return nil, err
	}
	r.files[key] = f
	return f, nil
}

// fileKey makes a split_by key safe in a file name: no directory separators, no leading dot,
// no control characters; an empty key is "_".
func fileKey(k string) string {
	b := []rune(k)
	for i, c := range b {
		if c == '/' || c == '\\' || c == ':' || c < ' ' || c == 0x7f {
			b[i] = '_'
		}
	}
	out := strings.TrimLeft(string(b), ".")
	if out == "" {
		return "_"
	}
	return out
}

func (r *outputRun) process(rec any, emit func(any) error) error {
	r.ev.Set("r", rec)
	if r.o.when != nil {
		ok, err := r.ev.Bool(r.o.when)
		if err != nil {
			return recordFailed(err)
		}
		if !ok {
			return emit(rec)
		}
	}
	of := r.one
	if r.o.splitBy != nil {
		var err error
		if of, err = r.splitFile(rec); err != nil {
			return err
		}
	}
	var vals []reflect.Value
	if r.o.cols != nil {
		r.ev.Set("r", rec)
		vals = make([]reflect.Value, len(r.o.cols))
		for i, p := range r.o.cols {
			x, err := r.ev.Run(p)
			if err != nil {
				return recordFailed(err)
			}
			vals[i] = reflect.ValueOf(&x).Elem()
		}
	}
	var err error
	switch {
	case of.csv != nil:
		if vals == nil {
			v := reflect.ValueOf(rec)
			for v.Kind() == reflect.Pointer {
				v = v.Elem()
			}
			for i := range r.row {
				r.row[i] = record.Text(v.Field(record.ExportedIndex(v.Type(), i)))
			}
		} else {
			for i, v := range vals {
				r.row[i] = record.Text(v)
			}
		}
		err = of.csv.Write(r.row)
	case vals == nil:
		r.buf = record.AppendJSON(r.buf[:0], reflect.ValueOf(rec))
		r.buf = append(r.buf, '\n')
		_, err = of.w.Write(r.buf)
	default:
		b := append(r.buf[:0], '{')
		for i, v := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = record.AppendJSONString(b, r.o.names[i])
			b = append(b, ':')
			b = record.AppendJSON(b, v)
		}
		r.buf = append(b, '}', '\n')
		_, err = of.w.Write(r.buf)
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", of.path, err)
	}
	return emit(rec)
}

func (r *outputRun) finish(func(any) error) error {
	for _, of := range r.order {
		if of.csv != nil {
			of.csv.Flush()
			if err := of.csv.Error(); err != nil {
				return fmt.Errorf("output %s: %w", of.path, err)
			}
		}
		if err := of.w.Flush(); err != nil {
			return fmt.Errorf("output %s: %w", of.path, err)
		}
	}
	return nil
}

func (r *outputRun) Close() error {
	var first error
	for _, of := range r.order {
		if err := of.f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
