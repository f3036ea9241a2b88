package step

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	enc     *record.JSONEncoder // of whole records of type in
	mode    os.FileMode         // of the files written (0600 unless mode: widens it)
}

type outputYAML struct {
	File    string     `yaml:"file"`
	Format  string     `yaml:"format"`
	Fields  *yaml.Node `yaml:"fields"`
	SplitBy *yaml.Node `yaml:"split_by"`
	When    *yaml.Node `yaml:"when"`
	Mode    string     `yaml:"mode"`
}

// splitMark is where an output's split_by key goes in its file name.
const splitMark = "{split}"

// maxSplitFiles bounds the files one output step writes.
const maxSplitFiles = 1000

// defaultMode is the mode of report files: they hold names and attendance, so only their owner
// reads them, as the state store.
const defaultMode os.FileMode = 0o600

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
	o := &outputStep{id: c.ID(), path: c.Path(oy.File), format: format, in: c.In(), mode: defaultMode, enc: record.NewJSONEncoder(c.In())}
	if oy.Mode != "" {
		m, err := strconv.ParseUint(oy.Mode, 8, 32)
		if err != nil || m&^0o666 != 0 || m&0o600 != 0o600 {
			c.Errorf(yamlx.ValueNode(n, "mode"), "step %s: output: mode: want an octal file mode such as \"0640\" (read and write for the owner, no execute bits), got %q", c.ID(), oy.Mode)
			ok = false
		} else {
			o.mode = os.FileMode(m)
		}
	}
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
		if format == "csv" {
			for i, p := range progs {
				if !record.CSVValue(p.Out) {
					c.Errorf(yamlx.ValueNode(oy.Fields, names[i]), "step %s: output: column %s is %s, which a CSV cell does not hold: write json(%s) to put it in the column as JSON, or choose its fields", c.ID(), names[i], listOrObject(p.Out), p.Src)
					ok = false
				}
			}
		}
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
		if format == "csv" {
			for i, name := range o.names {
				if ft := t.Field(record.ExportedIndex(t, i)).Type; !record.CSVValue(ft) {
					c.Errorf(n, "step %s: output: column %s is %s, which a CSV cell does not hold: give fields: with json(r.%s) to put it in a column as JSON, or choose its fields", c.ID(), name, listOrObject(ft), name)
					ok = false
				}
			}
		}
	}
	if !ok {
		return nil, c.In()
	}
	return o, c.In()
}

// listOrObject names what a value of t that is not a CSV value is.
func listOrObject(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
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

// outFile is one file an output writes: a temporary file beside it until the stream ends, so
// that a run that stops leaves the file of the run before as it was.
type outFile struct {
	path string
	f    *os.File // the temporary file
	w    *bufio.Writer
	csv  *csv.Writer
}

type outputRun struct {
	o     *outputStep
	ev    *eval.Evaluator
	one   *outFile            // without split_by
	files map[string]*outFile // with split_by, by key
	keys  map[string]string   // with split_by, the key of each file name
	order []*outFile          // every file, in the order they were opened
	buf   []byte
	row   []string
	done  bool // Finish has renamed every file into place
}

func (o *outputStep) Start(e Env) (Run, error) {
	r := &outputRun{o: o, ev: e.Eval(), files: map[string]*outFile{}, keys: map[string]string{}}
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

// open creates the temporary file of one output file (and its directory) and writes the CSV
// header. The file takes its name when the stream ends ([outputRun.Finish]).
func (r *outputRun) open(path string) (*outFile, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("output %s: %w", path, err)}
	}
	f, err := os.CreateTemp(dir, ".output-*.tmp") // mode 0600
	if err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("output %s: %w", path, err)}
	}
	of := &outFile{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16)}
	r.order = append(r.order, of)
	if r.o.format == "csv" {
		of.csv = csv.NewWriter(of.w)
		if err := of.csv.Write(r.o.names); err != nil {
			return nil, fmt.Errorf("output %s: %w", path, err)
		}
	}
	return of, nil
}

// splitFile is the file of a split_by key, opened when the key first comes.
func (r *outputRun) splitFile() (*outFile, error) {
	k, err := r.ev.Run(r.o.splitBy)
	if err != nil {
		return nil, RecordFailed(err)
	}
	key := fmt.Sprint(k)
	if f, ok := r.files[key]; ok {
		return f, nil
	}
	if len(r.files) >= maxSplitFiles {
		return nil, fmt.Errorf("output %s: more than %d split_by keys", r.o.path, maxSplitFiles)
	}
	name := fileKey(key)
	if other, ok := r.keys[name]; ok {
		// Not expected (a changed key carries the hash of its text), but two keys never share
		// a file.
		return nil, RecordFailed(fmt.Errorf("output %s: split_by keys %q and %q would share the file name %q", r.o.path, other, key, name))
	}
	f, err := r.open(strings.ReplaceAll(r.o.path, splitMark, name))
	if err != nil {
		return nil, err
	}
	r.files[key], r.keys[name] = f, key
	return f, nil
}

// maxKeyBytes bounds the part of a file name a split_by key takes (a file name has at most 255
// bytes on most file systems; 80 CJK characters take 240).
const maxKeyBytes = 120

// fileKey is the text of a split_by key in a file name. A key that can be a file name as it is
// stays as it is. Otherwise its directory separators (/ \ :), characters Windows refuses
// (< > " | ? *), control and bidi control characters become _, leading dots are dropped, an
// empty result is _, a long one is cut at maxKeyBytes, and "~" and a hash of the whole key are
// added, so that distinct keys never share a file and a key always has the same name.
func fileKey(k string) string {
	var b strings.Builder
	for _, c := range k {
		switch {
		case c == utf8.RuneError, strings.ContainsRune(`/\:<>"|?*`, c), unicode.IsControl(c), unicode.Is(unicode.Bidi_Control, c):
			b.WriteByte('_')
		default:
			b.WriteRune(c)
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if out == k && out != "" && len(out) <= maxKeyBytes {
		return k
	}
	if len(out) > maxKeyBytes {
		cut := maxKeyBytes
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut]
	}
	if out == "" {
		out = "_"
	}
	sum := sha256.Sum256([]byte(k))
	return out + "~" + hex.EncodeToString(sum[:4])
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
		if of, err = r.splitFile(); err != nil {
			return err
		}
	}
	var err error
	if of.csv == nil {
		if r.buf, err = r.o.appendLine(r.buf[:0], r.ev, rec); err != nil {
			return err
		}
		if _, err = of.w.Write(r.buf); err != nil {
			return fmt.Errorf("output %s: %w", of.path, err)
		}
		return emit(rec)
	}
	if r.o.cols != nil {
		vals, err := r.o.values(r.ev, rec)
		if err != nil {
			return err
		}
		for i, v := range vals {
			r.row[i] = record.CSVCell(v)
		}
	} else {
		v := reflect.ValueOf(rec)
		for v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		for i := range r.row {
			r.row[i] = record.CSVCell(v.Field(record.ExportedIndex(v.Type(), i)))
		}
	}
	if err := of.csv.Write(r.row); err != nil {
		return fmt.Errorf("output %s: %w", of.path, err)
	}
	return emit(rec)
}

// values evaluates the fields: of rec.
func (o *outputStep) values(ev *eval.Evaluator, rec any) ([]reflect.Value, error) {
	ev.Set("r", rec)
	vals := make([]reflect.Value, len(o.cols))
	for i, p := range o.cols {
		x, err := ev.Run(p)
		if err != nil {
			return nil, RecordFailed(err)
		}
		vals[i] = reflect.ValueOf(&x).Elem()
	}
	return vals, nil
}

// appendLine appends the JSON line of rec to b: the record, or its fields:.
func (o *outputStep) appendLine(b []byte, ev *eval.Evaluator, rec any) ([]byte, error) {
	if o.cols == nil {
		b = o.enc.Append(b, reflect.ValueOf(rec))
		return append(b, '\n'), nil
	}
	vals, err := o.values(ev, rec)
	if err != nil {
		return b, err
	}
	b = append(b, '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = record.AppendJSONString(b, o.names[i])
		b = append(b, ':')
		b = record.AppendJSON(b, v)
	}
	return append(b, '}', '\n'), nil
}

// Prepares reports whether the output prepares its records: the JSON lines of one file, written
// for every record (no split_by:, no when:) and with no field calling a resolver (which may call
// an API), are encoded by Prepare.
func (o *outputStep) Prepares() bool {
	return o.format != "csv" && o.splitBy == nil && o.when == nil && !slices.ContainsFunc(o.cols, (*eval.Program).Resolves)
}

// Prepare encodes the JSON line of rec for ProcessPrepared.
func (o *outputStep) Prepare(ev *eval.Evaluator, rec any, p *Prep) error {
	var err error
	p.buf, err = o.appendLine(p.buf[:0], ev, rec)
	return err
}

// ProcessPrepared writes the line Prepare encoded and passes the record on.
func (r *outputRun) ProcessPrepared(rec any, p *Prep, emit func(any) error) error {
	if _, err := r.one.w.Write(p.buf); err != nil {
		return fmt.Errorf("output %s: %w", r.one.path, err)
	}
	return emit(rec)
}

// Finish writes out what is buffered and gives every file its name, with the step's mode.
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
		if err := of.f.Chmod(r.o.mode); err != nil {
			return fmt.Errorf("output %s: %w", of.path, err)
		}
		if err := of.f.Close(); err != nil {
			return fmt.Errorf("output %s: %w", of.path, err)
		}
	}
	for _, of := range r.order {
		if err := os.Rename(of.f.Name(), of.path); err != nil {
			return fmt.Errorf("output %s: %w", of.path, err)
		}
	}
	r.done = true
	return nil
}

// Close removes the temporary files of a stream that did not end (the run stopped): the files
// of the run before stay as they were.
func (r *outputRun) Close() error {
	if r.done {
		return nil
	}
	var first error
	for _, of := range r.order {
		of.f.Close() // closed already when Finish failed after it
		if err := os.Remove(of.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}
