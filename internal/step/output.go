package step

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/yamlx"
)

func outputKind() Kind {
	return Kind{Name: "output", Doc: "write records to a JSON-lines or CSV file", Compile: compileOutput, Config: reflect.TypeFor[outputYAML]()}
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

func compileOutput(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	var oy outputYAML
	c.Decode(n, &oy)
	if oy.File == "" {
		c.Errorf(n, "step %s: output: file: is required", c.ID())
		return nil, c.In()
	}
	format, ok := fileFormat(oy.Format, oy.File)
	if !ok {
		c.Errorf(yamlx.KeyNode(n, "format"), "step %s: output: format: want jsonl or csv (or a file ending in .jsonl or .csv)", c.ID())
		return nil, c.In()
	}
	o := &outputStep{id: c.ID(), path: c.Path(oy.File), format: format, in: c.In()}
	sc := c.RecScope()
	switch marked := strings.Contains(oy.File, splitMark); {
	case oy.SplitBy != nil && !marked:
		c.Errorf(yamlx.ValueNode(n, "file"), "step %s: output: with split_by, the file name needs %s where the key goes (e.g. out/summary-%s.csv)", c.ID(), splitMark, splitMark)
		ok = false
	case oy.SplitBy == nil && marked:
		c.Errorf(yamlx.ValueNode(n, "file"), "step %s: output: the file name has %s but no split_by: gives its key", c.ID(), splitMark)
		ok = false
	case oy.SplitBy != nil:
		if o.splitBy = c.Compile(oy.SplitBy, sc, eval.WantAny); o.splitBy == nil {
			ok = false
		}
	}
	if oy.When != nil {
		if o.when = c.Compile(oy.When, sc, eval.WantBool); o.when == nil {
			ok = false
		}
	}
	if oy.Fields != nil {
		names, progs, fok := c.ExprMap(oy.Fields, sc, "fields")
		if !fok {
			return nil, c.In()
		}
		o.names, o.cols = names, progs
	} else {
		t := c.In()
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			c.Errorf(n, "step %s: output: the records are %s; give fields: {name: expression}", c.ID(), t)
			return nil, c.In()
		}
		o.names = record.FieldNames(t)
	}
	if !ok {
		return nil, c.In()
	}
	return o, c.In()
}

// wholeRecords is the type of the records an output without fields: writes whole.
func (o *outputStep) WholeRecords() reflect.Type {
	if o.cols != nil {
		return nil
	}
	return o.in
}

// plan passes the count on.
func (o *outputStep) Plan(ps *PlanState) (*PlanStep, error) {
	ps.AssumeCount()
	return nil, nil
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

func (o *outputStep) Start(e Env) (Run, error) {
	r := &outputRun{o: o, ev: e.Eval(), files: map[string]*outFile{}}
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
		return nil, RecordFailed(err)
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

func (r *outputRun) Process(rec any, emit func(any) error) error {
	r.ev.Set("r", rec)
	if r.o.when != nil {
		ok, err := r.ev.Bool(r.o.when)
		if err != nil {
			return RecordFailed(err)
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
				return RecordFailed(err)
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

func (r *outputRun) Finish(func(any) error) error {
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
